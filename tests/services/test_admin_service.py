"""Admin use-cases against a real migrated database: atomic writes, one audit row each, version bumps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.access import Actor
from bot.errors import NotFound, PermissionDenied, UserError
from bot.services.access import AccessService
from bot.services.admin.service import AdminService, NeedsConfirmation, Outcome, PublishPending
from bot.store import audit, bodies, candidates, elections, meta, nominations, results

GUILD = 100
OTHER = 200
MOD = Actor(GUILD, 1, "mod#1", manage_guild=True)
MOD2 = Actor(GUILD, 2, "mod#2", manage_guild=True)
MEMBER = Actor(GUILD, 3, "member#3")
OTHER_MOD = Actor(OTHER, 9, "othermod#9", manage_guild=True)


@pytest.fixture
def admin(db, clock) -> AdminService:
    return AdminService(db, clock, AccessService(db, clock), "Europe/London")


async def rows(db, guild: int = GUILD):
    return await audit.recent(db.reader, guild, limit=100)


async def seed(admin: AdminService) -> None:
    await admin.elections.create_election(MOD, slug="nec", name="NEC 2026", seats=3)
    await admin.elections.add_slate(MOD, "nec", name="Centre Left Grassroots Alliance", short="CLGA", colour="#d50000")
    await admin.elections.add_candidate(MOD, "nec", name="Jon Lansman", slate="CLGA")
    await admin.elections.add_candidate(MOD, "nec", name="Eddie Izzard")
    await admin.elections.add_branch(MOD, name="Islington North CLP", meeting="2026-11-25 19:30")


async def test_create_writes_one_audit_row_and_bumps_version(admin, db):
    before = (await meta.get_version(db.reader, GUILD)).version
    outcome = await admin.elections.create_election(MOD, slug="nec", name="NEC 2026", seats=3, threshold="5%")
    assert isinstance(outcome, Outcome)
    assert (await meta.get_version(db.reader, GUILD)).version == before + 1
    [row] = await rows(db)
    assert row.action == "election.create" and row.actor_name == "mod#1" and row.before is None
    assert row.after["name"] == "NEC 2026" and row.after["threshold"] == {"value": 5.0, "percent": True}
    assert row.id == outcome.audit_id


async def test_member_refused_nothing_changed_denial_audited(admin, db):
    with pytest.raises(PermissionDenied):
        await admin.elections.create_election(MEMBER, slug="nec", name="NEC", seats=3)
    assert await elections.list_for_guild(db.reader, GUILD) == []
    [row] = await rows(db)
    assert row.denied and row.action == "election.create" and row.actor_id == MEMBER.user_id
    assert (await meta.get_version(db.reader, GUILD)).version == 0


async def test_moderator_role_counts(admin, db):
    role_mod = Actor(GUILD, 5, "rolemod", role_ids=frozenset({77}))
    with pytest.raises(PermissionDenied):
        await admin.config.show(role_mod)
    await admin.config.set_roles(MOD, moderator_role=77)
    assert (await admin.config.show(role_mod)).moderator_role_ids == [77]


async def test_validation_errors_name_the_field(admin, db):
    with pytest.raises(UserError, match=r"The slug “NEC 2026!”"):
        await admin.elections.create_election(MOD, slug="NEC 2026!", name="x", seats=1)
    with pytest.raises(UserError, match="The name is 101 characters"):
        await admin.elections.create_election(MOD, slug="nec", name="x" * 101, seats=1)
    with pytest.raises(UserError, match=r"The slug “\\\*\\\*bold\\\*\\\*”"):  # echoed escaped
        await admin.elections.create_election(MOD, slug="**bold**", name="x", seats=1)
    await admin.elections.create_election(MOD, slug="nec", name="NEC", seats=1)
    with pytest.raises(UserError, match="The colour"):
        await admin.elections.add_slate(MOD, "nec", name="A", colour="reddish")
    with pytest.raises(UserError, match="The photo_url must start with http"):
        await admin.elections.add_candidate(MOD, "nec", name="A", photo_url="javascript:alert(1)")
    with pytest.raises(UserError, match="The bio is 1,501 characters"):
        await admin.elections.add_candidate(MOD, "nec", name="A", bio="x" * 1501)
    assert [r.action for r in await rows(db)] == ["election.create"]


async def test_timeline_in_guild_zone_and_order_checked(admin, db):
    await admin.elections.create_election(MOD, slug="nec", name="NEC", seats=3)
    out = await admin.elections.set_timeline(
        MOD, "nec", nominations_open="2026-07-01 18:00", nominations_close="2026-12-01T18:00:00+00:00"
    )
    assert out.election.timeline.nominations_open == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)  # BST
    assert out.before["nominations_open"] is None
    with pytest.raises(UserError, match="ballot opens"):
        await admin.elections.set_timeline(MOD, "nec", ballot_open="2026-11-01 10:00")
    with pytest.raises(UserError, match="results_due"):
        await admin.elections.set_timeline(MOD, "nec", results="next tuesday")
    out = await admin.elections.set_timeline(MOD, "nec", nominations_open="clear")
    assert out.election.timeline.nominations_open is None


async def test_delete_election_needs_confirmation(admin, db):
    await seed(admin)
    ask = await admin.elections.delete_election(MOD, "nec")
    assert isinstance(ask, NeedsConfirmation) and "2 candidate" in ask.question
    assert await elections.get_by_slug(db.reader, GUILD, "nec") is not None
    out = await admin.elections.delete_election(MOD, "nec", confirmed=True)
    assert out.before["candidates"] == ["Eddie Izzard", "Jon Lansman"]
    assert await elections.get_by_slug(db.reader, GUILD, "nec") is None


async def test_cross_guild_is_not_found(admin, db):
    await seed(admin)
    with pytest.raises(NotFound):
        await admin.elections.edit_election(OTHER_MOD, "nec", name="Hijacked")
    with pytest.raises(NotFound):
        await admin.elections.set_status(OTHER_MOD, "Jon Lansman", "withdrawn")
    with pytest.raises(NotFound):
        await admin.elections.remove_branch(OTHER_MOD, "Islington North CLP", confirmed=True)
    assert (await elections.get_by_slug(db.reader, GUILD, "nec")).name == "NEC 2026"
    assert await rows(db, OTHER) == []


async def test_candidate_edit_rename_slate_links(admin, db):
    await seed(admin)
    out = await admin.elections.edit_candidate(
        MOD, "jon lansman", name="Jon Lansman MP", slate="clear", links="Site https://example.org\nhttps://x.com/jon"
    )
    assert out.before["slate"] == "Centre Left Grassroots Alliance" and out.after["slate"] is None
    assert out.after["links"] == {"Site": "https://example.org", "x.com": "https://x.com/jon"}
    e = await elections.get_by_slug(db.reader, GUILD, "nec")
    assert (await candidates.get_by_name(db.reader, e.id, "Jon Lansman MP")).links["Site"] == "https://example.org"
    with pytest.raises(UserError, match="links line 1 must start with http"):
        await admin.elections.edit_candidate(MOD, "Jon Lansman MP", links="Site ftp://example.org")
    with pytest.raises(UserError, match="already has a candidate"):
        await admin.elections.edit_candidate(MOD, "Jon Lansman MP", name="eddie izzard")


async def test_remove_candidate_with_nominations_asks(admin, db):
    await seed(admin)
    assert isinstance(await admin.elections.remove_candidate(MOD, "Eddie Izzard"), Outcome)
    await admin.elections.add_nomination(MOD, "Islington North CLP", "Jon Lansman", on="2026-11-24")
    ask = await admin.elections.remove_candidate(MOD, "Jon Lansman")
    assert isinstance(ask, NeedsConfirmation) and "1 nomination" in ask.question
    out = await admin.elections.remove_candidate(MOD, "Jon Lansman", confirmed=True)
    assert out.before["nominations"] == 1


async def test_nomination_limits_need_confirmation(admin, db):
    await admin.elections.create_election(MOD, slug="nec", name="NEC", seats=1)
    await admin.elections.set_timeline(
        MOD, "nec", nominations_open="2026-11-01 00:00", nominations_close="2026-12-01 00:00"
    )
    for name in ("A", "B"):
        await admin.elections.add_candidate(MOD, "nec", name=name)
    await admin.elections.add_branch(MOD, name="Hackney")
    assert isinstance(await admin.elections.add_nomination(MOD, "Hackney", "A"), Outcome)
    ask = await admin.elections.add_nomination(MOD, "Hackney", "B")
    assert isinstance(ask, NeedsConfirmation) and "1 seat" in ask.question
    ask = await admin.elections.add_nomination(MOD, "Hackney", "A", on="2026-12-05")
    assert isinstance(ask, NeedsConfirmation) and "after nominations close" in ask.question
    e = await elections.get_by_slug(db.reader, GUILD, "nec")
    assert len(await nominations.list_for_election(db.reader, e.id)) == 1
    actions = [r.action for r in await rows(db)]
    assert actions.count("nomination.add") == 1
    out = await admin.elections.add_nomination(MOD, "Hackney", "B", confirmed=True)
    assert out.after["confirmed_despite"]
    out = await admin.elections.remove_nomination(MOD, "Hackney", "B")
    assert out.before["candidate"] == "B"


async def test_branch_meeting_and_rename(admin, db):
    await seed(admin)
    out = await admin.elections.edit_branch(MOD, "islington north clp", name="Islington N", meeting="clear")
    assert out.before["meeting"] == "2026-11-25T19:30:00+00:00" and out.after["meeting"] is None
    assert await bodies.get_by_name(db.reader, GUILD, "Islington N") is not None


async def test_slate_edit_and_remove(admin, db):
    await seed(admin)
    out = await admin.elections.edit_slate(MOD, "CLGA", name="Grassroots", backers="Momentum, CLPD")
    assert out.after["backers"] == ["Momentum", "CLPD"]
    e = await elections.get_by_slug(db.reader, GUILD, "nec")
    assert (await candidates.get_by_name(db.reader, e.id, "Jon Lansman")).slate == "Grassroots"
    out = await admin.elections.remove_slate(MOD, "Grassroots")
    assert out.extra["members"] == ["Jon Lansman"]
    assert (await candidates.get_by_name(db.reader, e.id, "Jon Lansman")).slate is None


async def test_results_two_person_publish(admin, db, clock):
    await seed(admin)
    await admin.config.set_roles(MOD, two_person_publish=True)
    await admin.results.set_votes(MOD, "Jon Lansman", 67_000)
    first = await admin.results.publish(MOD, "nec", announce=True, confirmed=True)
    assert isinstance(first, PublishPending)
    e = await elections.get_by_slug(db.reader, GUILD, "nec")
    assert not (await results.get(db.reader, e.id)).published
    with pytest.raises(UserError, match="different moderator"):
        await admin.results.publish(MOD, "nec", confirmed=True)
    assert not (await results.get(db.reader, e.id)).published
    out = await admin.results.publish(MOD2, "nec", confirmed=True)
    assert isinstance(out, Outcome) and out.after["confirmed_by"] == "mod#2" and out.extra["announce"]
    assert (await results.get(db.reader, e.id)).published


async def test_changed_figures_void_a_publish_request(admin, db):
    await seed(admin)
    await admin.config.set_roles(MOD, two_person_publish=True)
    await admin.results.set_votes(MOD, "Jon Lansman", 100)
    assert isinstance(await admin.results.publish(MOD, "nec", confirmed=True), PublishPending)
    await admin.results.set_votes(MOD, "Jon Lansman", 999)
    fresh = await admin.results.publish(MOD2, "nec", confirmed=True)
    assert isinstance(fresh, PublishPending)  # a fresh request, not a publish


async def test_publish_unpublish_single_moderator(admin, db):
    await seed(admin)
    with pytest.raises(UserError, match="No votes"):
        await admin.results.publish(MOD, "nec")
    with pytest.raises(UserError, match="whole number"):
        await admin.results.set_votes(MOD, "Eddie Izzard", 12.5, round_no=1)
    await admin.results.set_votes(MOD, "Eddie Izzard", 12, round_no=1)
    with pytest.raises(UserError, match="round 2 before round 3"):
        await admin.results.set_votes(MOD, "Eddie Izzard", 1, round_no=3)
    asked = await admin.results.publish(MOD, "nec")  # Jon Lansman has no votes; 1 of 3 seats filled
    assert isinstance(asked, NeedsConfirmation) and "Jon Lansman" in asked.question
    assert isinstance(await admin.results.publish(MOD, "nec", confirmed=True), Outcome)
    assert isinstance(await admin.results.unpublish(MOD, "nec"), NeedsConfirmation)
    out = await admin.results.unpublish(MOD, "nec", confirmed=True)
    assert out.after == {"published": False}


async def test_config_and_audit_filters(admin, db):
    await admin.config.set_timezone(MOD, "America/New_York")
    with pytest.raises(UserError, match="isn't a known time zone"):
        await admin.config.set_timezone(MOD, "Mars/Olympus")
    await admin.config.set_channels(MOD, announce_channel=5, alert_channel=6)
    out = await admin.config.set_channels(MOD, clear="alerts")
    assert out.before == {"announce_channel_id": 5, "alert_channel_id": 6}
    assert out.after == {"announce_channel_id": 5, "alert_channel_id": None}
    entries = await admin.config.audit_log(MOD, kind="config", limit=10)
    assert [e.action for e in entries] == ["config.channels", "config.channels", "config.timezone"]
    assert await admin.config.audit_log(MOD, member_id=MOD2.user_id) == []
    assert ("Europe/London", "Europe/London") in await admin.lookup.zones(MOD, "london")
    assert await admin.lookup.zones(MEMBER, "london") == []


async def test_cannot_remove_own_moderator_access(admin):
    role_mod = Actor(GUILD, 5, "rolemod", role_ids=frozenset({77}))
    await admin.config.set_roles(MOD, moderator_role=77)
    with pytest.raises(UserError, match="your own moderator access"):
        await admin.config.set_roles(role_mod, moderator_role=77, remove=True)


async def test_audit_listener_hears_changes_and_denials(admin, db):
    heard = []

    async def listener(entry):
        heard.append((entry.action, entry.denied))

    admin.core.add_listener(listener)
    await admin.elections.create_election(MOD, slug="nec", name="NEC", seats=1)
    with pytest.raises(PermissionDenied):
        await admin.elections.delete_election(MEMBER, "nec")
    await admin.core.drain()
    assert heard == [("election.create", False), ("election.delete", True)]


async def test_every_kind_of_change_audits_before_and_after(admin, db):
    """One audit row per change; additions have only `after`, removals only `before`, edits both."""
    await seed(admin)
    e = admin.elections
    await e.edit_election(MOD, "nec", seats=4)
    await e.set_timeline(MOD, "nec", nominations_open="2026-11-01 09:00")
    await e.edit_slate(MOD, "CLGA", colour="#000000")
    await e.edit_candidate(MOD, "Eddie Izzard", bio="Comedian")
    await e.set_status(MOD, "Eddie Izzard", "on ballot")
    await e.edit_branch(MOD, "Islington North CLP", members=900)
    await e.add_nomination(MOD, "Islington North CLP", "Eddie Izzard", on="2026-11-24")
    await e.remove_nomination(MOD, "Islington North CLP", "Eddie Izzard")
    await admin.results.set_votes(MOD, "Eddie Izzard", 10)
    await admin.results.set_votes(MOD, "Eddie Izzard", 12)
    await admin.results.publish(MOD, "nec", confirmed=True)
    await admin.results.unpublish(MOD, "nec", confirmed=True)
    await admin.config.set_timezone(MOD, "Europe/Dublin")
    await e.remove_candidate(MOD, "Eddie Izzard", confirmed=True)
    await e.remove_slate(MOD, "CLGA")
    await e.remove_branch(MOD, "Islington North CLP", confirmed=True)
    await e.delete_election(MOD, "nec", confirmed=True)
    entries = list(reversed(await rows(db)))
    shapes = {}
    for entry in entries:
        shapes.setdefault(entry.action, []).append((entry.before is not None, entry.after is not None))
    adds = ["election.create", "slate.add", "candidate.add", "branch.add", "nomination.add"]
    edits = [
        "election.edit",
        "election.timeline",
        "slate.edit",
        "candidate.edit",
        "candidate.status",
        "branch.edit",
        "results.publish",
        "results.unpublish",
        "config.timezone",
    ]
    removals = ["nomination.remove", "candidate.remove", "slate.remove", "branch.remove", "election.delete"]
    for action in adds:
        assert shapes[action][0] == (False, True), action
    for action in edits:
        assert shapes[action][0] == (True, True), action
    for action in removals:
        assert shapes[action][0] == (True, False), action
    assert shapes["results.set"] == [(False, True), (True, True)]  # first entry, then 10 → 12
    votes = [r for r in entries if r.action == "results.set"][1]
    assert votes.before == {"round": 1, "votes": 10} and votes.after == {"round": 1, "votes": 12}
    assert not any(r.denied for r in entries)
    assert (await meta.get_version(db.reader, GUILD)).version == len(entries)  # one bump per change
