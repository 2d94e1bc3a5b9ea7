"""Sources end to end below Discord: a local HTTP server on 127.0.0.1, a real database, a manual clock.

Each scenario checks the data (what the members would see), the data version (no write when
nothing changed), the audit log (one row per applying run, actor = the source) and the alerts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.access import Actor
from bot.domain.audit import AuditEntry
from bot.domain.settings import GuildSettings
from bot.domain.sources import Outcome
from bot.errors import NotFound, PermissionDenied, UserError
from bot.services.access import AccessService
from bot.services.fetch import FetchLimits
from bot.services.imports import apply_import, parse_pack_json, plan_import
from bot.services.sources.commands import SourceService
from bot.services.sources.pipeline import SourceAlert
from bot.store import audit, candidates, elections, meta, snapshot
from bot.store import sources as source_store
from bot.store.database import Database
from tests.services.test_sources_support import FeedServer

GUILD = 42
OTHER_GUILD = 43
ALERT_CHANNEL = 777
MOD = Actor(GUILD, 1, "mod#0001", manage_guild=True)
MEMBER = Actor(GUILD, 2, "member#0002")
SLUG = "ncwu-nec"
LIMITS = FetchLimits(connect_timeout=1.0, total_timeout=0.25, max_bytes=1024 * 1024, max_redirects=3)


def seed_pack(slug: str = SLUG) -> bytes:
    """An election with twelve branches and a nomination threshold of three."""
    return json.dumps(
        {
            "version": 1,
            "bodies": [{"name": f"Branch {i:02d}", "members": 100 + i} for i in range(1, 13)],
            "elections": [
                {
                    "slug": slug,
                    "name": "NCWU National Executive",
                    "seats": 2,
                    "voting_system": "bloc",
                    "nomination_threshold": "3",
                    "timeline": {
                        "nominations_open": "2026-11-01T09:00:00+00:00",
                        "nominations_close": "2026-12-20T17:00:00+00:00",
                    },
                }
            ],
        }
    ).encode()


def candidates_csv(n: int, *, bio: str = "Standing for the members", drop: set[int] = frozenset()) -> str:
    """A candidates sheet without an election column (the source's election is implied)."""
    lines = ["Name,Bio,Status"]
    for i in range(1, n + 1):
        if i not in drop:
            lines.append(f"Candidate {i:02d},{bio} {i},seeking nominations")
    return "\n".join(lines) + "\n"


@dataclass
class Alerts:
    """A notifier that records what would be posted in the alert channel."""

    sent: list[tuple[int, SourceAlert]] = field(default_factory=list)

    async def source_alert(self, channel_id: int, alert: SourceAlert) -> None:
        self.sent.append((channel_id, alert))

    def kinds(self) -> list[str]:
        return [a.kind for _, a in self.sent]


@dataclass
class Env:
    db: Database
    clock: ManualClock
    server: FeedServer
    service: SourceService
    alerts: Alerts
    applied: list[int]

    async def version(self, guild: int = GUILD) -> int:
        return (await meta.get_version(self.db.reader, guild)).version

    async def audits(self, guild: int = GUILD) -> list[AuditEntry]:
        return await audit.recent(self.db.reader, guild, limit=200)

    async def names(self, slug: str = SLUG, guild: int = GUILD) -> list[str]:
        election = await elections.get_by_slug(self.db.reader, guild, slug)
        assert election is not None and election.id is not None
        return [c.name for c in await candidates.list_for_election(self.db.reader, election.id)]

    async def add(self, path: str, kind: str = "candidates", **kw) -> int:
        source = await self.service.add(
            MOD, election=kw.pop("election", SLUG), kind=kind, url=self.server.url(path), **kw
        )
        return source.id


async def seed(db: Database, clock: ManualClock, guild: int = GUILD, slug: str = SLUG) -> None:
    plan = await plan_import(db, guild, parse_pack_json(seed_pack(slug), "seed.json"))
    await apply_import(db, guild, plan, actor_id=None, actor_name="test", now=clock.now())
    async with db.transaction() as tx:
        await meta.save_settings(tx, GuildSettings(guild, alert_channel_id=ALERT_CHANNEL, announce_channel_id=888))


@pytest.fixture
async def env(db: Database, clock: ManualClock, tmp_path) -> AsyncIterator[Env]:
    server = FeedServer()
    await server.start()
    settings = Settings(_env_file=None, HUSTINGS_SOURCE_FOLDER=str(tmp_path), HUSTINGS_SOURCE_ALLOW_PRIVATE=True)
    service = SourceService(db, clock, settings, AccessService(db, clock), limits=LIMITS)
    alerts = Alerts()
    service.notifier = alerts
    applied: list[int] = []

    async def hook(guild_id: int) -> None:
        applied.append(guild_id)

    service.after_apply.append(hook)
    await seed(db, clock)
    try:
        yield Env(db, clock, server, service, alerts, applied)
    finally:
        await service.stop()
        await server.stop()


# ------------------------------------------------------------------------------------ happy path


async def test_first_import_then_unchanged_runs_write_nothing(env: Env) -> None:
    route = env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    before = await env.version()
    report = await env.service.sync(GUILD, sid, MOD)
    assert report.outcome is Outcome.APPLIED and report.changes == 10
    assert "candidates: +10 ~0 -0" in report.lines[0]
    assert len(await env.names()) == 10
    assert await env.version() == before + 1
    rows = [a for a in await env.audits() if a.action == "data.import" and a.actor_name != "test"]
    assert len(rows) == 1 and rows[0].actor_name.startswith(f"source #{sid} (candidates")
    assert rows[0].after["changes"] == {"candidates": {"added": 10, "changed": 0, "removed": 0}}
    assert env.applied == [GUILD]

    # Unchanged (304 via ETag): one request, no data written.
    audits, version = len(await env.audits()), await env.version()
    report = await env.service.sync(GUILD, sid, MOD)
    assert report.outcome is Outcome.UNCHANGED
    assert route.hits == 2 and route.conditional_hits == 1
    assert await env.version() == version and len(await env.audits()) == audits
    assert env.applied == [GUILD]

    # Unchanged by content hash (a server without validators): still no data write.
    env.server.serve("c.csv", candidates_csv(10), etag=False)
    report = await env.service.sync(GUILD, sid, MOD)
    assert report.outcome is Outcome.UNCHANGED and route.hits == 3
    assert await env.version() == version and len(await env.audits()) == audits


async def test_edit_and_single_row_drop_apply(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    await env.service.sync(GUILD, sid)
    env.server.serve("c.csv", candidates_csv(10, bio="Changed bio"))
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.APPLIED and "~10" in report.lines[0]
    env.server.serve("c.csv", candidates_csv(10, bio="Changed bio", drop={7}))
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.APPLIED and "-1" in report.lines[0] and "Candidate 07" in report.lines[0]
    assert "Candidate 07" not in await env.names() and len(await env.names()) == 9
    assert len([a for a in await env.audits() if a.action == "data.import"]) == 3 + 1  # + the seed
    assert env.alerts.sent == []


async def test_mass_drop_is_held_until_a_moderator_confirms(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    await env.service.sync(GUILD, sid)
    version = await env.version()
    env.server.serve("c.csv", candidates_csv(10, drop={1, 2, 3, 4, 5, 6}))
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.HELD
    assert "6 of 10 candidates in ncwu-nec (60%)" in report.reason
    assert len(await env.names()) == 10 and await env.version() == version  # nothing wiped
    assert env.alerts.kinds() == ["held"] and env.alerts.sent[0][0] == ALERT_CHANNEL
    held = await env.service.get(GUILD, sid)
    assert held.held and held.failures == 0

    # The same broken sheet again: still held, no second alert, no write.
    again = await env.service.sync(GUILD, sid)
    assert again.outcome is Outcome.STILL_HELD and env.alerts.kinds() == ["held"]

    # Members can't confirm; a moderator can, and the audit row names them.
    with pytest.raises(PermissionDenied):
        await env.service.confirm_hold(MEMBER, sid, held.held_hash)
    done = await env.service.confirm_hold(MOD, sid, held.held_hash[:16])  # type: ignore[index]
    assert done.outcome is Outcome.APPLIED and len(await env.names()) == 4
    row = next(a for a in await env.audits() if a.action == "data.import")
    assert row.actor_id == MOD.user_id and "confirming source" in row.actor_name
    assert not (await env.service.get(GUILD, sid)).held
    with pytest.raises(UserError, match="no longer waiting"):
        await env.service.confirm_hold(MOD, sid, held.held_hash)
    # Now the applied content is the baseline: the next run is unchanged.
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.UNCHANGED


async def test_rejected_hold_keeps_data_and_is_not_offered_again(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    await env.service.sync(GUILD, sid)
    env.server.serve("c.csv", "Name\n")  # an emptied sheet
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.HELD
    await env.service.reject_hold(MOD, sid)
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.UNCHANGED
    assert len(await env.names()) == 10 and env.alerts.kinds() == ["held"]
    # The sheet is repaired with an edit: applied normally.
    env.server.serve("c.csv", candidates_csv(11))
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.APPLIED
    assert len(await env.names()) == 11


async def test_held_update_dropped_when_sheet_is_fixed(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    await env.service.sync(GUILD, sid)
    env.server.serve("c.csv", candidates_csv(10, drop={1, 2, 3}))
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.HELD
    env.server.serve("c.csv", candidates_csv(10))  # back as it was
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.UNCHANGED
    assert not (await env.service.get(GUILD, sid)).held


# ---------------------------------------------------------------------------------------- failures


async def _failing_run(env: Env, path: str, match: str, **serve) -> None:
    """Serve something broken after a good import: data kept, one alert, backoff, recovery alert."""
    env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    await env.service.sync(GUILD, sid)
    names, version, audits = await env.names(), await env.version(), len(await env.audits())
    body = serve.pop("body", "")
    env.server.serve("c.csv", body, **serve)
    first = await env.service.sync(GUILD, sid)
    assert first.outcome is Outcome.FAILED and first.error
    assert match in first.error, first.error
    second = await env.service.sync(GUILD, sid)
    assert second.outcome is Outcome.FAILED
    assert await env.names() == names and await env.version() == version
    assert len(await env.audits()) == audits  # a failed run writes no audit row and no data
    assert env.alerts.kinds() == ["failing"]  # once per streak
    assert match in env.alerts.sent[0][1].reason
    state = await env.service.get(GUILD, sid)
    assert state.failures == 2 and state.last_error and match in state.last_error
    assert state.next_run_at == env.clock.now() + 2 * state.every  # backing off
    env.server.serve("c.csv", candidates_csv(10, bio="Fixed"))
    fixed = await env.service.sync(GUILD, sid)
    assert fixed.outcome is Outcome.APPLIED
    assert env.alerts.kinds() == ["failing", "recovered"]
    state = await env.service.get(GUILD, sid)
    assert state.failures == 0 and state.next_run_at == env.clock.now() + state.every


async def test_bad_csv(env: Env) -> None:
    await _failing_run(env, "c.csv", "not UTF-8", body=b"Name,Bio\n\xff\xfe\x00garbage\n")


async def test_wrong_columns(env: Env) -> None:
    await _failing_run(env, "c.csv", "unknown column for candidates", body="Nom,Biography\nAnn,x\n")


async def test_http_500(env: Env) -> None:
    await _failing_run(env, "c.csv", "500 Internal Server Error", status=500)


async def test_timeout(env: Env) -> None:
    await _failing_run(env, "c.csv", "took longer than 0.25 s", body="Name\nA\n", mode="hang")


async def test_slow_drip(env: Env) -> None:
    await _failing_run(env, "c.csv", "took longer than 0.25 s", body=candidates_csv(10), mode="drip")


async def test_huge_body_abandoned_at_the_limit(env: Env) -> None:
    await _failing_run(env, "c.csv", "passed the 1 MB limit", mode="huge")


async def test_redirect_loop(env: Env) -> None:
    await _failing_run(env, "c.csv", "redirected too many times", mode="loop")


async def test_web_page_instead_of_csv(env: Env) -> None:
    await _failing_run(
        env, "c.csv", "returned a web page", body="<!DOCTYPE html><p>Sign in</p>", content_type="text/html"
    )


async def test_bad_json_pack(env: Env) -> None:
    env.server.serve("p.json", seed_pack(), content_type="application/json")
    sid = await env.add("p.json", kind="pack")
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.NO_CHANGES
    env.server.serve("p.json", b'{"version": 1, "elections": [', content_type="application/json")
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.FAILED and "invalid JSON" in (report.error or "")
    env.server.serve(
        "p.json",
        json.dumps({"version": 1, "elections": [{"slug": SLUG, "seats": "two"}]}),
        content_type="application/json",
    )
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.FAILED and "problem" in (report.error or "")
    assert env.alerts.kinds() == ["failing"]


async def test_csv_for_another_election_is_refused(env: Env) -> None:
    env.server.serve("c.csv", "election,name\nother-one,Ann\n")
    sid = await env.add("c.csv")
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.FAILED and "feeds only ncwu-nec" in (report.error or "")


# ----------------------------------------------------------------------------------- several sources


async def test_non_authoritative_source_never_removes(env: Env) -> None:
    env.server.serve("a.csv", candidates_csv(5))
    env.server.serve("b.csv", "Name,Bio\nLate Entry,Joined late\n")
    a = await env.add("a.csv")
    with pytest.raises(UserError, match="already decides"):
        await env.add("b.csv", authoritative=True)
    b = await env.add("b.csv")  # defaults to add/update only, since #a is authoritative
    assert not (await env.service.get(GUILD, b)).authoritative
    await env.service.sync(GUILD, a)
    report = await env.service.sync(GUILD, b)
    assert report.outcome is Outcome.APPLIED and report.changes == 1
    assert len(await env.names()) == 6  # b did not remove a's five


async def test_overlapping_sources_default_to_add_only(env: Env) -> None:
    await seed(env.db, env.clock, slug="other-vote")
    env.server.serve("p.json", seed_pack(), content_type="application/json")
    env.server.serve("b.csv", "Name\nBranch 01\n")
    pack = await env.add("p.json", kind="pack")
    assert (await env.service.get(GUILD, pack)).authoritative
    csv_under_pack = await env.add("c.csv")  # the pack may carry candidates: add/update only
    assert not (await env.service.get(GUILD, csv_under_pack)).authoritative
    other = await env.add("c.csv", election="other-vote")  # another election: its own list
    assert (await env.service.get(GUILD, other)).authoritative
    bodies = await env.add("b.csv", kind="bodies", election="other-vote")
    assert (await env.service.get(GUILD, bodies)).authoritative
    with pytest.raises(UserError, match="already decides"):
        await env.add("b.csv", kind="bodies", authoritative=True)  # bodies are guild-wide


async def test_a_pack_never_removes_bodies_another_source_decides(env: Env) -> None:
    pack = json.loads(seed_pack())
    pack["bodies"] = pack["bodies"][:2]  # lists only two of the twelve branches
    env.server.serve("p.json", json.dumps(pack), content_type="application/json")
    env.server.serve("b.csv", "Name\n" + "".join(f"Branch {i:02d}\n" for i in range(1, 13)))
    await seed(env.db, env.clock, slug="other-vote")
    await env.add("b.csv", kind="bodies", election="other-vote")  # decides the guild's branches
    sid = await env.add("p.json", kind="pack", authoritative=True)
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.NO_CHANGES
    assert len((await snapshot.load_state(env.db.reader, GUILD)).bodies) == 12


async def test_sources_for_different_kinds_do_not_fight(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(4))
    env.server.serve("n.csv", "Body,Candidate\nBranch 01,Candidate 01\nBranch 02,Candidate 01\n")
    c = await env.add("c.csv")
    n = await env.add("n.csv", kind="nominations")
    await env.service.sync(GUILD, c)
    assert (await env.service.sync(GUILD, n)).outcome is Outcome.APPLIED
    # Re-running the candidates source leaves the nominations alone, and vice versa.
    env.server.serve("c.csv", candidates_csv(4, bio="Edited"))
    assert (await env.service.sync(GUILD, c)).outcome is Outcome.APPLIED
    state = await snapshot.load_state(env.db.reader, GUILD)
    assert len(state.nominations[SLUG]) == 2 and len(state.candidates[SLUG]) == 4


async def test_results_from_a_sheet_stay_unpublished(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(3))
    env.server.serve("r.csv", "Round,Candidate,Votes\n1,Candidate 01,100\n1,Candidate 02,80\n1,Candidate 03,20\n")
    await env.service.sync(GUILD, await env.add("c.csv"))
    r = await env.add("r.csv", kind="results")
    assert (await env.service.sync(GUILD, r)).outcome is Outcome.APPLIED
    state = await snapshot.load_state(env.db.reader, GUILD)
    assert state.results[SLUG]["rounds"] and not state.results[SLUG]["published"]


async def test_results_published_by_a_pack_need_confirming_under_two_person_rule(env: Env) -> None:
    pack = json.loads(seed_pack())
    pack["elections"][0]["candidates"] = [{"name": "Ann"}, {"name": "Bob"}, {"name": "Cat"}]
    pack["elections"][0]["results"] = {
        "published": True,
        "rounds": [{"votes": {"Ann": 5, "Bob": 4, "Cat": 1}, "elected": ["Ann", "Bob"]}],
    }
    env.server.serve("p.json", json.dumps(pack), content_type="application/json")
    async with env.db.transaction() as tx:
        settings = await meta.get_settings(tx, GUILD)
        settings.two_person_publish = True
        await meta.save_settings(tx, settings)
    sid = await env.add("p.json", kind="pack")
    report = await env.service.sync(GUILD, sid)
    assert report.outcome is Outcome.HELD and "published results" in report.reason
    assert SLUG not in (await snapshot.load_state(env.db.reader, GUILD)).results
    with pytest.raises(UserError, match="different"):  # who set the source up can't approve it alone
        await env.service.confirm_hold(MOD, sid)
    assert SLUG not in (await snapshot.load_state(env.db.reader, GUILD)).results
    await env.service.confirm_hold(Actor(GUILD, 2, "second-mod", manage_guild=True), sid)
    assert (await snapshot.load_state(env.db.reader, GUILD)).results[SLUG]["published"] is True


async def test_guilds_are_isolated(env: Env) -> None:
    await seed(env.db, env.clock, guild=OTHER_GUILD)
    env.server.serve("c.csv", candidates_csv(3))
    env.server.serve("broken.csv", "", status=500)
    mine = await env.add("c.csv")
    theirs = await env.service.add(
        Actor(OTHER_GUILD, 9, "other-mod", manage_guild=True),
        election=SLUG,
        kind="candidates",
        url=env.server.url("broken.csv"),
    )
    with pytest.raises(NotFound):
        await env.service.sync(GUILD, theirs.id, MOD)  # another guild's source is invisible here
    with pytest.raises(NotFound):
        await env.service.remove(MOD, theirs.id)
    reports = await env.service.run_due()
    outcomes = {r.source.id: r.outcome for r in reports}
    assert outcomes == {mine: Outcome.APPLIED, theirs.id: Outcome.FAILED}
    assert [s.id for s in await env.service.for_guild(GUILD)] == [mine]
    assert await env.names(guild=OTHER_GUILD) == []


# ------------------------------------------------------------------------------------ commands, rules


async def test_add_refusals(env: Env, tmp_path) -> None:
    with pytest.raises(PermissionDenied):
        await env.service.add(MEMBER, election=SLUG, kind="candidates", url="https://example.org/c.csv")
    with pytest.raises(UserError, match="once a minute"):
        await env.service.add(MOD, election=SLUG, kind="candidates", url="https://example.org/c.csv", every="30s")
    with pytest.raises(UserError, match="source kind"):
        await env.service.add(MOD, election=SLUG, kind="voters", url="https://example.org/c.csv")
    with pytest.raises(NotFound, match="no election"):
        await env.service.add(MOD, election="nope", kind="candidates", url="https://example.org/c.csv")
    with pytest.raises(UserError, match="inside the bot's source folder"):
        await env.service.add(MOD, election=SLUG, kind="candidates", url="file:///etc/passwd")
    with pytest.raises(UserError, match="https://"):
        await env.service.add(MOD, election=SLUG, kind="candidates", url="ftp://example.org/c.csv")
    await env.service.add(MOD, election=SLUG, kind="candidates", url="https://example.org/c.csv")
    with pytest.raises(UserError, match="already set up"):
        await env.service.add(MOD, election=SLUG, kind="candidates", url="https://example.org/c.csv")
    denied = [a for a in await env.audits() if a.denied]
    assert [a.action for a in denied] == ["source.add"]


async def test_file_source_inside_the_folder(env: Env, tmp_path) -> None:
    (tmp_path / "sheets").mkdir()
    (tmp_path / "sheets" / "c.csv").write_text(candidates_csv(4))
    source = await env.service.add(MOD, election=SLUG, kind="candidates", url="file://sheets/c.csv")
    assert (await env.service.sync(GUILD, source.id)).outcome is Outcome.APPLIED
    assert (await env.service.sync(GUILD, source.id)).outcome is Outcome.UNCHANGED
    assert len(await env.names()) == 4


async def test_pause_resume_remove_are_audited(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(3))
    sid = await env.add("c.csv")
    await env.service.set_paused(MOD, sid, True)
    assert await env.service.run_due() == []  # paused: not scheduled
    await env.service.set_paused(MOD, sid, False)
    assert [r.outcome for r in await env.service.run_due()] == [Outcome.APPLIED]
    await env.service.remove(MOD, sid)
    assert await env.service.for_guild(GUILD) == []
    assert len(await env.names()) == 3  # the data it brought stays
    actions = [a.action for a in await env.audits() if a.action.startswith("source.")]
    assert actions == ["source.remove", "source.resume", "source.pause", "source.add"]


# ----------------------------------------------------------------------------------- the scheduler


async def test_advancing_the_clock_triggers_due_syncs(env: Env) -> None:
    route = env.server.serve("c.csv", candidates_csv(3))
    sid = await env.add("c.csv", every="5m")
    await env.service.start()
    await env.service.idle()
    assert route.hits == 1 and len(await env.names()) == 3
    env.clock.advance(timedelta(minutes=4))
    await env.service.idle()
    assert route.hits == 1  # not due yet
    env.clock.advance(timedelta(minutes=1))
    await env.service.idle()
    assert route.hits == 2 and route.conditional_hits == 1
    env.server.serve("c.csv", candidates_csv(4))
    env.clock.advance(timedelta(minutes=5))
    await env.service.idle()
    assert len(await env.names()) == 4
    # Failures back off: the regular 5 minutes, then 5, 10 and 20 minutes between retries.
    env.server.serve("c.csv", "", status=503)
    hits = route.hits
    for step in (5, 5, 10, 20):
        env.clock.advance(timedelta(minutes=step - 1))
        await env.service.idle()
        assert route.hits == hits, step
        env.clock.advance(timedelta(minutes=1))
        await env.service.idle()
        hits += 1
        assert route.hits == hits, step
    assert env.alerts.kinds() == ["failing"]
    state = await env.service.get(GUILD, sid)
    assert state.failures == 4


async def test_schedule_survives_a_restart(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(3))
    sid = await env.add("c.csv", every="10m")
    await env.service.sync(GUILD, sid)
    await env.service.stop()
    # A new service (as after a restart) reads the schedule from the database.
    env.clock.advance(timedelta(hours=2))
    fresh = SourceService(
        env.db, env.clock, Settings(_env_file=None, HUSTINGS_SOURCE_ALLOW_PRIVATE=True), limits=LIMITS
    )
    route = env.server.routes["c.csv"]
    hits = route.hits
    await fresh.start()
    await fresh.idle()
    assert route.hits == hits + 1  # overdue once: runs once, not twelve times
    await fresh.stop()


async def test_freshness_for_member_views(env: Env) -> None:
    election = await elections.get_by_slug(env.db.reader, GUILD, SLUG)
    assert election is not None and election.id is not None
    assert (await env.service.source_freshness(GUILD, election.id)).sources == 0
    env.server.serve("c.csv", candidates_csv(3))
    sid = await env.add("c.csv", every="10m")
    await env.service.sync(GUILD, sid)
    env.clock.advance(timedelta(minutes=4))
    fresh = await env.service.source_freshness(GUILD, election.id)
    assert not fresh.stale and fresh.describe() == "Checked against its source 4 min ago"
    env.server.serve("c.csv", "", status=500)
    env.clock.advance(timedelta(minutes=30))
    await env.service.sync(GUILD, sid)
    stale = await env.service.source_freshness(GUILD, SLUG)
    assert stale.stale and "may be out of date (the source is failing)" in stale.describe()


async def test_hold_row_is_removed_with_its_source(env: Env) -> None:
    env.server.serve("c.csv", candidates_csv(10))
    sid = await env.add("c.csv")
    await env.service.sync(GUILD, sid)
    env.server.serve("c.csv", "Name\n")
    assert (await env.service.sync(GUILD, sid)).outcome is Outcome.HELD
    await env.service.remove(MOD, sid)
    assert await source_store.get_hold(env.db.reader, sid) is None
