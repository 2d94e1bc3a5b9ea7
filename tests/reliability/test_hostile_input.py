"""6. Hostile input on every command option, in imports and in feeds: clear errors, no pings, no cross-guild reads.

The test runs once per command (`COMMANDS`), so a failure names the command; every command the bot
syncs must be in that list (a new one fails `test_every_synced_command_is_attacked`, naming it), and
each option comes from the tree the bot synced (`sim.commands(guild)`), so a new option is attacked
automatically. A moderator (who gets past every permission check) types over-long, empty,
unicode, markdown, `@everyone`, role/user mentions and another guild's names and ids into each
string option and autocomplete; integer options get another guild's row ids and extremes; channel
options get another guild's channel; attachment options get hostile files. Then:

- every interaction gets a visible answer that is not an internal error ("something went wrong");
- no message body the bot sent could ping anyone (`allowed_mentions` checked on the raw requests);
- nothing of the other guild (its candidates, bios, announcements, sources) appears or changes;
- the simulator recorded no Discord 400s (`sim.violations == []`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.access import Actor
from bot.domain.models import Body, Candidate, Election, Slate, VotingSystem
from bot.domain.schedule.ledger import Announcement
from bot.domain.schedule.recurrence import Schedule
from bot.domain.sources import Source, SourceKind
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimError, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import announcements, bodies, candidates, elections, meta
from bot.store import sources as sources_store
from bot.store.database import Database
from tests.reliability.support import (
    ATTACHMENT,
    CHANNEL,
    INTEGER,
    NUMBER,
    ROLE,
    STRING,
    USER,
    Leaf,
    RequestLog,
    leaf_commands,
    pings,
    plausible,
    report,
    serve_feed,
    trials,
)

# The other guild's data: the test types some of it (slug, first names, ids) but never these words,
# so seeing them in an answer means the bot read the other guild's rows.
SECRETS = ("Hiddenname", "TOPSECRET", "Bravo", "Zulu")
INTERNAL = ("something went wrong", "ref `")


@dataclass
class Other:
    """Guild B and the ids of its rows."""

    guild: SimGuild
    election_id: int
    announcement_id: int
    source_id: int


async def seed_other_guild(sim: DiscordSimulator, db: Database, clock: ManualClock) -> Other:
    """A second server using the same bot: an election, a candidate with a secret bio, an announcement, a source."""
    other = sim.add_guild("Other Union", channels=("general", "secret-channel"))
    now = clock.now()
    async with db.transaction() as tx:
        eid = await elections.upsert(
            tx,
            Election(
                guild_id=other.id,
                slug="secret-b",
                name="Secret Ballot Bravo",
                seats=2,
                voting_system=VotingSystem.BLOC,
            ),
        )
        await elections.upsert_slate(tx, eid, Slate("Bravo Slate", "BRV"))
        await candidates.upsert(tx, eid, Candidate("Quentin Hiddenname", slate="Bravo Slate", bio="TOPSECRET bio"))
        await bodies.upsert(tx, other.id, Body("Hidden Branch Zulu"))
        aid = await announcements.create(
            tx,
            Announcement(
                guild_id=other.id,
                channel_id=other.channel("secret-channel").id,
                schedule=Schedule(now + timedelta(days=3)),
                content="TOPSECRET announcement",
                created_by=1,
                created_by_name="b-organiser",
                created_at=now,
                checked_until=now,
                next_due=now + timedelta(days=3),
            ),
        )
        sid = await sources_store.add(
            tx,
            Source(
                id=0,
                guild_id=other.id,
                election="secret-b",
                kind=SourceKind.CANDIDATES,
                url="https://example.org/TOPSECRET.csv",
                every=timedelta(hours=1),
                created_by=1,
                created_at=now,
                next_run_at=now + timedelta(days=3),
                paused=True,
            ),
        )
        await meta.bump_version(tx, other.id, now, "seed")
    return Other(other, eid, aid, sid)


def hostile_strings(guild: SimGuild, member: SimMember, other: Other) -> list[str]:
    """What a hostile (or careless) member types."""
    role = guild.role("Organisers")
    return [
        "",
        "   ",
        "x" * 6000,
        "Zoë Ångström 🗳️ 李 ﷽ \u202eevil\u202c\u200b",
        "**bold** __u__ ~~s~~ `c` ```block``` [link](https://evil.example) > quote\n# heading\n-# sub",
        "@everyone @here",
        f"<@&{role.id}> <@{member.id}> <#{guild.channel('general').id}> @Organisers",
        "secret-b",
        "Quentin",
        f"{other.guild.channel('secret-channel').id} <#{other.guild.channel('secret-channel').id}>",
        "'; DROP TABLE candidates; --",
        "%s %d {0} {election} ${x} \\u0000 \x1b[31m",
    ]


def hostile_files() -> list[tuple[str, bytes]]:
    """What a hostile import file looks like."""
    return [
        ("empty.csv", b""),
        ("garbage.csv", bytes(range(256)) * 40),
        ("bom-formula.csv", '\ufeffelection,name,bio\nncwu-nec,=HYPERLINK("http://evil"),@everyone\n'.encode()),
        ("mentions.csv", b"election,name,bio\nncwu-nec,<@&1> @here,**x** [y](https://evil.example)\n"),
        ("other-guild.csv", b"election,name\nsecret-b,Quentin Q\n"),
        ("huge-cell.csv", b"election,name,bio\nncwu-nec,Long Bio," + b"y" * 200_000 + b"\n"),
        (
            "pack.json",
            json.dumps(
                {"elections": [{"slug": "secret-b", "name": "@everyone", "seats": 2, "voting_system": "bloc"}]}
            ).encode(),
        ),
        ("bad.json", b'{"elections": [1, 2, {"slug": null}], "bodies": "nope"}'),
        ("deep.json", b"[" * 5000 + b"]" * 5000),
    ]


@dataclass
class Outcome:
    """What one hostile interaction produced."""

    label: str
    texts: list[str] = field(default_factory=list)
    problem: str | None = None


def context(guild: SimGuild, member: SimMember) -> dict[str, Any]:
    """Plausible values for the options a case is not attacking."""
    return {
        "strings": {
            "election": "ncwu-nec",
            "candidate": "Aileen Marsh",
            "slate": "Broad Left Alliance",
            "first": "Broad Left Alliance",
            "second": "Members First",
            "third": "Coast Reform Group",
            "branch": "Skelbeck Hospital Branch",
            "zone": "Europe/London",
            "when": "now",
            "message": "Hello all",
            "url": "https://example.org/sheet.csv",
            "slug": "hostile-test",
            "status": "on ballot",
            "name": "Aileen Marsh",
        },
        "default_string": "x",
        "user": member,
        "channel": guild.channel("announcements"),
        "role": guild.role("Organisers"),
    }


def base_options(leaf: Leaf, ctx: dict[str, Any], attacked: str) -> dict[str, Any]:
    """Required options (other than the attacked one) filled with plausible values."""
    values: dict[str, Any] = {}
    for option in leaf.options:
        if option["name"] != attacked and option.get("required"):
            value = plausible(option, ctx)
            if leaf.path in ("/nominations branch", "/remind branch") and option["name"] == "name":
                value = "Skelbeck Hospital Branch"
            if leaf.path in ("/slate info",) and option["name"] == "name":
                value = "Broad Left Alliance"
            values[option["name"]] = value
    return values


async def answer(sim: DiscordSimulator, actor: SimMember, handle: Any, label: str, modal_text: str = "x") -> Outcome:
    """Wait for the visible answer; a modal is submitted with the hostile text in every field."""
    out = Outcome(label)
    try:
        i = handle.interaction
        await i.wait(lambda: i.visible is not None or i.modal is not None or bool(i.errors), 15, "answer")
        if i.modal is not None and i.visible is None:
            fields = {}
            for inp in i.modal.text_inputs():
                limit = int(inp.get("max_length") or 4000)
                fields[inp["custom_id"]] = (modal_text or "x")[:limit]
            try:
                handle = await sim.submit_modal(actor, i.modal, fields)
            except SimError:
                fields = {inp["custom_id"]: "x" for inp in i.modal.text_inputs()}  # e.g. below a min length
                handle = await sim.submit_modal(actor, i.modal, fields)
            out.label += " (modal)"
        reply = await handle.response(timeout=15)
        for message in handle.messages or [reply]:
            out.texts.append(message.text)
        if reply.loading:
            out.problem = "left on 'thinking…'"
    except (TimeoutError, SimError) as exc:
        out.problem = f"no answer: {exc}"
    return out


#: Every leaf command the bot syncs, in the order the tree lists them (the index seeds which strings are tried).
COMMANDS: tuple[str, ...] = (
    "/hustings about",
    "/hustings schedule",
    "/hustings edit",
    "/hustings cancel",
    "/hustings events",
    "/hustings list",
    "/hustings info",
    "/hustings hide",
    "/hustings answered",
    "/hustings speaker",
    "/hustings questions_channel",
    "/ask",
    "/questions",
    "/election list",
    "/election info",
    "/election calendar",
    "/candidate",
    "/candidates",
    "/slate info",
    "/slate compare",
    "/nominations progress",
    "/nominations branch",
    "/nominations for",
    "/results",
    "/admin election create",
    "/admin election edit",
    "/admin election timeline",
    "/admin election delete",
    "/admin candidate add",
    "/admin candidate edit",
    "/admin candidate status",
    "/admin candidate remove",
    "/admin slate add",
    "/admin slate edit",
    "/admin slate remove",
    "/admin branch add",
    "/admin branch edit",
    "/admin branch remove",
    "/admin nomination add",
    "/admin nomination remove",
    "/admin results set",
    "/admin results preview",
    "/admin results publish",
    "/admin results unpublish",
    "/admin data import",
    "/admin data export",
    "/admin config roles",
    "/admin config channels",
    "/admin config timezone",
    "/admin config audit",
    "/admin config show",
    "/admin audit",
    "/admin source add",
    "/admin source list",
    "/admin source sync",
    "/admin source pause",
    "/admin source resume",
    "/admin source remove",
    "/announce schedule",
    "/announce post",
    "/announce list",
    "/announce preview",
    "/announce cancel",
    "/announce history",
    "/announce reminders",
    "/remind branch",
    "/remind deadlines",
    "/remind list",
    "/remind stop",
)


def attacks(
    leaf: Leaf, strings: list[str], files: list[tuple[str, bytes]], other: Other, heavy: bool, seed: int
) -> list[tuple[str, dict[str, Any]]]:
    """(attacked option, {option: hostile value}) for every option of a command."""
    out: list[tuple[str, dict[str, Any]]] = []
    for k, option in enumerate(leaf.options):
        name, kind = option["name"], option["type"]
        if option.get("choices"):
            continue  # Discord only sends one of the listed choices
        if kind == STRING:
            picked = strings if heavy else [s for j, s in enumerate(strings) if j < 3 or (j + k + seed) % 3 == 0]
            out += [(name, {name: s}) for s in picked]
        elif kind in (INTEGER, NUMBER):
            low, high = option.get("min_value"), option.get("max_value")
            values = [other.announcement_id, other.source_id, 0, -1, 2**53, 10**15]
            values = [v for v in values if (low is None or v >= low) and (high is None or v <= high)]
            if kind == NUMBER:
                values.append(1e308)
            out += [(name, {name: v}) for v in dict.fromkeys(values)]
        elif kind == CHANNEL:
            out.append((name, {name: other.guild.channel("secret-channel")}))
        elif kind == ROLE:
            out.append((name, {name: other.guild.everyone_role}))
        elif kind == USER:
            out.append((name, {name: other.guild.owner}))
        elif kind == ATTACHMENT:
            out += [(name, {name: f}) for f in files]
    return out


async def test_every_synced_command_is_attacked(sim: DiscordSimulator, guild: SimGuild, hustings: HustingsBot) -> None:
    """A command the bot syncs but `COMMANDS` does not list would go unattacked: add it there."""
    synced = [leaf.path for leaf in leaf_commands(sim, guild)]
    assert [p for p in synced if p not in COMMANDS] == [], "add these to COMMANDS"
    assert [p for p in COMMANDS if p not in synced] == [], "these are no longer commands: remove them from COMMANDS"


@pytest.mark.slow
@pytest.mark.parametrize("path", COMMANDS)
async def test_every_option_survives_hostile_input(
    path: str,
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    requests: RequestLog,
    loop_health: LoopWatch,
) -> None:
    loop_health.pause()
    organisers = guild.add_role("Organisers", mentionable=True)
    mod = guild.add_member("mod", global_name="Mo Derator", permissions=perms.MANAGE_GUILD, roles=[organisers])
    member = guild.add_member("alice")
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    other = await seed_other_guild(sim, db, clock)
    before_other = await _other_rows(db, other)
    loop_health.resume()

    heavy = trials(1) > 1
    strings, files = hostile_strings(guild, member, other), hostile_files()
    leaves = [leaf for leaf in leaf_commands(sim, guild) if leaf.path == path]
    assert leaves, f"{path} is not synced"
    ctx = context(guild, mod)
    outcomes: list[Outcome] = []
    completions = 0
    seed = COMMANDS.index(path)
    for leaf in leaves:
        for attacked, hostile in attacks(leaf, strings, files, other, heavy, seed):
            values = {**base_options(leaf, ctx, attacked), **hostile}
            label = f"{leaf.path} {attacked}={_short(hostile[attacked])}"
            try:
                handle = await sim.invoke(mod, leaf.path, values)
            except SimError:
                continue  # a real member could not send this (e.g. the option's own length limit)
            typed = hostile[attacked]
            outcomes.append(await answer(sim, mod, handle, label, typed if isinstance(typed, str) else "x"))
            await _deliver(hustings)
        for option in leaf.options:
            if option.get("autocomplete"):
                for text in strings:
                    values = base_options(leaf, ctx, option["name"])
                    try:
                        choices = await sim.autocomplete(mod, leaf.path, option["name"], text, values)
                    except SimError as exc:
                        outcomes.append(Outcome(f"{leaf.path} autocomplete {option['name']}", problem=str(exc)))
                        continue
                    completions += 1
                    outcomes.append(
                        Outcome(
                            f"{leaf.path} autocomplete {option['name']}={_short(text)}",
                            texts=[c["name"] for c in choices],
                        )
                    )
    await _deliver(hustings)
    await sim.wait_for_idle(timeout=10)

    problems = [f"{o.label}: {o.problem}" for o in outcomes if o.problem]
    internal = [f"{o.label}: {t[:200]}" for o in outcomes for t in o.texts if any(w in t for w in INTERNAL)]
    leaks = [f"{o.label}: {t[:200]}" for o in outcomes for t in o.texts if any(s in t for s in SECRETS)]
    pinged = [
        (s.path, body.get("content", "")[:120], sorted(p))
        for s, body in requests.messages()
        if (p := reachable(pings(body), guild))
    ]
    after_other = await _other_rows(db, other)
    other_posts = [m for c in other.guild.channels.values() for m in sim.channel_messages(c)]
    report(
        f"hostile input {path}",
        interactions=len(outcomes) - completions,
        autocompletes=completions,
        messages_checked=sum(1 for _ in requests.messages()),
        unanswered=len(problems),
        internal_errors=len(internal),
        cross_guild=len(leaks) + len(other_posts),
        pings=len(pinged),
        violations=len(sim.violations),
    )
    assert problems == [], problems[:10]
    assert internal == [], internal[:10]
    assert leaks == [] and other_posts == [] and after_other == before_other, (leaks[:5], other_posts[:3])
    assert pinged == [], pinged[:10]
    assert sim.violations == [], [f"{_which(sim, v)}: {v}" for v in sim.violations[:5]]


def reachable(found: set[str], guild: SimGuild) -> set[str]:
    """The pings Discord would deliver in `guild`: a role mention only pings a role of that guild."""
    roles = {str(r.id) for r in guild.roles.values()}
    return {p for p in found if not p.startswith("role:") or p.split(":", 1)[1] in roles}


async def _deliver(bot: HustingsBot) -> None:
    """Let the delivery engine send anything a command scheduled for now."""
    await bot.services.delivery.settled(within=15)


async def _other_rows(db: Database, other: Other) -> tuple[Any, ...]:
    """Guild B's rows that commands in guild A must never read or change."""
    rows = []
    for table, key in (
        ("announcements", "guild_id"),
        ("sources", "guild_id"),
        ("elections", "guild_id"),
        ("bodies", "guild_id"),
    ):
        rows.append(await db.fetchall(f"SELECT * FROM {table} WHERE {key} = ? ORDER BY id", (other.guild.id,)))
    rows.append(await db.fetchall("SELECT * FROM candidates WHERE election_id = ? ORDER BY id", (other.election_id,)))
    return tuple(tuple(tuple(r) for r in table) for table in rows)


def _which(sim: DiscordSimulator, violation: Any) -> str:
    """The command (and typed options) behind a rejected request."""
    interaction = sim._core.interactions.get(violation.interaction_id or 0)
    if interaction is None:
        return "?"
    return f"/{interaction.command_name} {_short(interaction.data.get('options'))}"


def _short(value: Any) -> str:
    text = repr(value.name if hasattr(value, "name") else value)
    return text if len(text) <= 40 else text[:37] + "…"


async def test_feed_with_hostile_rows_pings_nobody(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    requests: RequestLog,
    loop_health: LoopWatch,
) -> None:
    """A source sheet full of mentions and markdown: synced, shown in every member view, never pinging."""
    member = guild.add_member("alice")
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    role = guild.add_role("Everyone-ish", mentionable=True)
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    rows = [
        "Name,Bio,Status",
        f"@everyone Alpha,<@&{role.id}> vote for me,seeking nominations",
        f"<@{member.id}> Beta,@here **bold** [x](https://evil.example),on ballot",
        "Gamma ||spoiler|| `code`,\"=cmd|' /C calc'!A0\",seeking nominations",
    ]
    sheet = ("\n".join(rows) + "\n").encode()

    async with serve_feed(sheet) as feed:
        services = hustings.services
        actor = Actor(guild.id, mod.id, "mod", manage_guild=True)
        source = await services.sources.add(
            actor, election="ncwu-nec", kind="candidates", url=feed.url, authoritative=False
        )
        result = await services.sources.sync(guild.id, source.id, actor)
        assert result.ok, result.error
        texts = []
        for command, options in (
            ("/candidates", {"election": "ncwu-nec"}),
            ("/nominations progress", {}),
            ("/candidate", {"name": "@everyone Alpha"}),
            ("/candidate", {"name": "Beta"}),
            ("/admin source list", {}),
        ):
            reply = await (
                await sim.invoke(mod if command.startswith("/admin") else member, command, options)
            ).response(timeout=10)
            texts.append(reply.text)
        choices = await sim.autocomplete(member, "/candidate", "name", "@every")
    pinged = [(s.path, sorted(pings(b))) for s, b in requests.messages() if pings(b)]
    report("hostile feed", rows=len(rows) - 1, views=len(texts), pings=len(pinged), violations=len(sim.violations))
    assert any("Alpha" in t for t in texts)
    assert all(len(c["name"]) <= 100 for c in choices)
    assert pinged == [] and sim.violations == []
