"""7. A member without rights tries every admin command, button and autocomplete: no change, all denied and audited.

The server owner has opened `/admin` to everyone (Discord's `default_member_permissions` is only a
hint to its client), so the bot's own checks are all that stand in the way. First a moderator runs
every admin and organiser command (from the synced tree) to put real buttons on screen — confirmations,
an import preview, a source update held for a moderator — then a plain member runs every one of
those commands, presses every button and types into every autocomplete. Afterwards the database,
apart from the audit log, is byte-for-byte what it was; each attempt was refused with a sentence and
each refused command or button press left a denied audit row; autocomplete offered nothing.
"""

from __future__ import annotations

from typing import Any

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.cooldown import LIMITS, Cooldowns, Limit
from bot.domain.settings import GuildSettings
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimError, SimGuild, SimMember, SimMessage
from bot.sim import permissions as perms
from bot.store import meta
from bot.store.database import Database
from tests.reliability.support import Leaf, dump, leaf_commands, plausible, report, serve_feed

#: Roots whose every command needs a moderator or an organiser.
PRIVILEGED = ("admin", "announce")
#: Options whose suggestions are a fixed vocabulary, not data (e.g. repeat: daily, weekly…).
STATIC = ("repeat",)
#: What any member may look up with autocomplete (the members' own commands).
PUBLIC = (
    ("/election info", "election"),
    ("/candidate", "name"),
    ("/slate info", "name"),
    ("/nominations branch", "name"),
)
REFUSALS = ("Only a ", "Only an ", "Only the ", "don't have permission", "not allowed")

CANDIDATES_SHEET = "Name,Bio\n" + "".join(f"Sheet Candidate {i:02d},Bio {i}\n" for i in range(12))


def values_for(leaf: Leaf, ctx: dict[str, Any]) -> dict[str, Any]:
    """Plausible values for a command's required options."""
    return {o["name"]: plausible(o, ctx) for o in leaf.options if o.get("required")}


async def _run(sim: DiscordSimulator, who: SimMember, leaf: Leaf, ctx: dict[str, Any]) -> SimMessage | None:
    try:
        handle = await sim.invoke(who, leaf.path, values_for(leaf, ctx))
    except SimError:
        return None
    try:
        i = handle.interaction
        await i.wait(lambda: i.visible is not None or i.modal is not None or bool(i.errors), 15, "answer")
        return i.visible
    except TimeoutError:
        return None


async def test_member_without_rights_changes_nothing(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
) -> None:
    organisers = guild.add_role("Organisers")
    alerts = guild.add_channel("organisers")
    mod = guild.add_member("mod", global_name="Mo Derator", permissions=perms.MANAGE_GUILD)
    member = guild.add_member("mallory", global_name="Mallory")
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    async with db.transaction() as tx:
        await meta.save_settings(
            tx,
            GuildSettings(
                guild.id,
                timezone="Europe/London",
                organiser_role_ids=[organisers.id],
                announce_channel_id=guild.channel("announcements").id,
                alert_channel_id=alerts.id,
                two_person_publish=True,
            ),
        )
    for command in sim.commands(guild):  # Server Settings → Integrations: everyone may see every command
        command["default_member_permissions"] = None
    ctx = {
        "strings": {
            "election": "ncwu-nec",
            "candidate": "Aileen Marsh",
            "slate": "Broad Left Alliance",
            "branch": "Skelbeck Hospital Branch",
            "zone": "Europe/London",
            "when": "in 2h",
            "message": "Hello",
            "slug": "new-election",
            "name": "New Name",
            "url": "https://example.org/x",
        },
        "default_string": "x",
        "user": member,
        "channel": guild.channel("announcements"),
        "role": organisers,
    }
    leaves = [leaf for leaf in leaf_commands(sim, guild) if leaf.root in PRIVILEGED]
    assert len(leaves) >= 20, [leaf.path for leaf in leaves]

    async with serve_feed(CANDIDATES_SHEET.encode()) as feed:
        # The moderator puts buttons on screen: every privileged command once, then a held source update.
        screens: list[SimMessage] = []
        for leaf in leaves:
            reply = await _run(sim, mod, leaf, ctx)
            if reply is not None and reply.buttons:
                screens.append(reply)
        preview = await (
            await sim.invoke(
                mod,
                "/admin data import",
                {"file": ("candidates.csv", b"election,name,bio\nncwu-nec,Aileen Marsh,A new statement\n")},
            )
        ).response()
        screens += [preview] if preview.buttons else []
        source = await hustings.services.sources.add(
            _actor(guild, mod),
            election="ncwu-nec",
            kind="candidates",
            url=feed.url,
            authoritative=True,
        )
        first = await hustings.services.sources.sync(guild.id, source.id)
        assert first.ok, first.error
        feed.body = b"Name,Bio\nSheet Candidate 00,Bio 0\n"  # eleven rows gone at once: held for a moderator
        held = await hustings.services.sources.sync(guild.id, source.id)
        assert held.outcome.value == "held", held
        await sim.wait_for_idle(timeout=10)
        screens += [m for m in sim.channel_messages(alerts) if m.buttons]
        await _quiet(hustings, sim)

        # This test is about rights, not rates: the member's cooldowns (test_abuse_limits) stay out of the way.
        hustings.services.cooldowns = Cooldowns({kind: Limit(10_000, limit.window) for kind, limit in LIMITS.items()})
        before = dump(db.path, skip=("audit_log",))
        denied_before = await _denied(db, guild.id, member.id)

        # The member tries everything.
        refused, accepted, unanswered = [], [], []
        for leaf in leaves:
            reply = await _run(sim, member, leaf, ctx)
            if reply is None:
                unanswered.append(leaf.path)
            elif any(r in reply.text for r in REFUSALS):
                refused.append(leaf.path)
            else:
                accepted.append(f"{leaf.path}: {reply.text[:120]}")
        offered = []
        completions = 0
        for leaf in leaves:
            for option in leaf.options:
                if option.get("autocomplete"):
                    values = {k: v for k, v in values_for(leaf, ctx).items() if k != option["name"]}
                    for text in ("", "a", "ncwu"):
                        choices = await sim.autocomplete(member, leaf.path, option["name"], text, values)
                        completions += 1
                        public = await _public(sim, member, text)
                        private = [c for c in choices if c["value"] not in public and option["name"] not in STATIC]
                        if private:
                            offered.append(f"{leaf.path} {option['name']}={text!r}: {private[:2]}")
        presses = hidden = 0
        button_refusals, button_accepted = 0, []
        for message in screens:
            for button in message.buttons:
                if button.get("disabled") or not button.get("custom_id"):
                    continue
                try:
                    handle = await sim.click(member, message, button["custom_id"])
                except SimError:
                    hidden += 1  # another member's ephemeral reply: Discord never shows it to them
                    continue
                presses += 1
                answer = await handle.response(timeout=10)
                if any(r in answer.text for r in REFUSALS):
                    button_refusals += 1
                else:
                    button_accepted.append(f"{button.get('label')}: {answer.text[:120]}")
        await _quiet(hustings, sim)

    after = dump(db.path, skip=("audit_log",))
    denied = await _denied(db, guild.id, member.id) - denied_before
    changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
    report(
        "no rights",
        commands=len(leaves),
        refused=len(refused),
        autocompletes=completions,
        buttons=presses,
        buttons_refused=button_refusals,
        buttons_out_of_reach=hidden,
        denied_audit_rows=denied,
        tables_changed=len(changed),
        violations=len(sim.violations),
    )
    assert changed == [], {t: (set(after.get(t, [])) ^ set(before.get(t, []))) for t in changed}
    assert accepted == [] and unanswered == [], (accepted[:5], unanswered[:5])
    assert offered == [], "\n".join(offered)
    assert presses >= 3 and button_accepted == [], button_accepted[:5]
    assert denied >= len(refused) + presses, (denied, len(refused), presses)
    assert sim.violations == []


async def _public(sim: DiscordSimulator, member: SimMember, text: str) -> set[str]:
    """Values the member's own commands would suggest for `text` (public data, fine to offer anywhere)."""
    out: set[str] = set()
    for command, option in PUBLIC:
        out |= {c["value"] for c in await sim.autocomplete(member, command, option, text)}
    return out


async def _quiet(bot: HustingsBot, sim: DiscordSimulator) -> None:
    """Let audit mirrors and queued alerts finish, so what follows is the member's doing alone."""
    await bot.services.admin.core.drain()
    await bot.services.delivery.settled(within=15)
    await sim.wait_for_idle(timeout=10)


def _actor(guild: SimGuild, mod: SimMember) -> Any:
    from bot.domain.access import Actor

    return Actor(guild.id, mod.id, "mod", manage_guild=True)


async def _denied(db: Database, guild_id: int, user_id: int) -> int:
    row = await db.fetchone(
        "SELECT coalesce(SUM(repeats), 0) FROM audit_log WHERE guild_id = ? AND actor_id = ? AND denied = 1",
        (guild_id, user_id),  # repeated refusals share a row and count in it
    )
    return int(row[0]) if row else 0
