"""Issue #12, results items 1–5: figures stay right when moderators edit, re-import and publish.

Each test reproduces one failure as a moderator or member met it, through the simulator.
"""

from __future__ import annotations

import re

import pytest

from bot.render.results import results_chart_spec
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import elections, results
from tests.e2e.admin_fixtures import audit_rows, mod_fixture
from tests.helpers import ask, import_pack

__all__ = ["mod_fixture"]  # fixtures used by name

NEGATIVE = re.compile(r"(?<![\w.])[-−]\s?\d")  # "-7,128" or "−6": a negative figure shown to a person


def _line(text: str, name: str) -> str:
    """The first line of `text` that mentions `name`."""
    return next(line for line in text.splitlines() if name in line and ("—" in line or "·" in line))


async def _stored(db, guild: SimGuild, slug: str):
    election = await elections.get_by_slug(db.reader, guild.id, slug)
    return await results.get(db.reader, election.id)


# ------------------------------------------------------------------------------------------ item 1


async def test_vote_edit_recomputes_the_winners_and_the_margin_is_never_negative(
    sim: DiscordSimulator, mod: SimMember, member: SimMember, demo
) -> None:
    reply = await ask(
        sim, mod, "/admin results set", {"candidate": "Sarah Taylor", "votes": 70110, "election": "nec-2018"}
    )
    assert "Votes entered" in reply.text, reply.text
    view = await ask(sim, member, "/results", {"election": "nec-2018"})
    assert "✅" in _line(view.text, "Sarah Taylor")  # first on votes, so elected
    assert "✅" not in _line(view.text, "Rachel Garnham")
    assert "Jon Lansman** beat **Rachel Garnham** by **2,181**" in view.text, view.text
    assert not NEGATIVE.search(view.text), view.text


DECLARED = {
    "version": 1,
    "elections": [
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 2,
            "voting_system": "bloc",
            "candidates": [{"name": "Ann Able"}, {"name": "Bob Brown"}, {"name": "Cat Cole"}],
            "results": {
                "published": True,
                "winners": "declared",
                "rounds": [
                    {"votes": {"Ann Able": 500, "Bob Brown": 400, "Cat Cole": 300}, "elected": ["Ann Able", "Cat Cole"]}
                ],
            },
        }
    ],
}


@pytest.fixture
async def declared(hustings, db, guild, clock):
    await import_pack(db, guild.id, DECLARED, clock, "declared.json")
    return hustings


async def test_a_declared_result_says_so_and_a_vote_edit_asks_keep_or_recompute(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, member: SimMember, declared, db
) -> None:
    view = await ask(sim, member, "/results", {"election": "nec"})
    assert "✅" in _line(view.text, "Cat Cole") and "✅" not in _line(view.text, "Bob Brown")
    assert "declared" in view.text and "differ" in view.text, view.text
    assert "**Cat Cole** was declared elected with **100** fewer votes than **Bob Brown**" in view.text
    assert not NEGATIVE.search(view.text), view.text

    # keep the declaration: the votes change, the declared winners stay
    question = await ask(sim, mod, "/admin results set", {"candidate": "Bob Brown", "votes": 450})
    assert "declared" in question.text and (await _stored(db, guild, "nec")).rounds[0].votes["Bob Brown"] == 400
    done = await sim.click(mod, question, question.button("Keep the declaration")["custom_id"])
    assert "Votes entered" in (await done.response()).text
    stored = await _stored(db, guild, "nec")
    assert stored.rounds[0].votes["Bob Brown"] == 450 and sorted(stored.rounds[0].elected) == ["Ann Able", "Cat Cole"]

    # recompute: the count decides again, and later edits need no question
    question = await ask(sim, mod, "/admin results set", {"candidate": "Bob Brown", "votes": 460})
    done = await sim.click(mod, question, question.button("Recompute the winners")["custom_id"])
    assert "Votes entered" in (await done.response()).text
    view = await ask(sim, member, "/results", {"election": "nec"})
    assert "✅" in _line(view.text, "Bob Brown") and "✅" not in _line(view.text, "Cat Cole")
    assert "Bob Brown** beat **Cat Cole** by **160**" in view.text
    reply = await ask(sim, mod, "/admin results set", {"candidate": "Cat Cole", "votes": 310})
    assert "Votes entered" in reply.text
    rows = [r for r in await audit_rows(db, guild.id) if r.action == "results.set"]
    assert rows[1].after.get("winners") == "computed"
    assert sim.violations == []


# ------------------------------------------------------------------------------------------ item 2

STV = {
    "version": 1,
    "elections": [
        {
            "slug": "exec",
            "name": "Executive 2026",
            "seats": 2,
            "voting_system": "stv",
            "candidates": [{"name": "Amy Adams"}, {"name": "Ben Baker"}, {"name": "Cy Clark"}, {"name": "Di Dunn"}],
            "results": {
                "published": True,
                "valid_ballots": 1000,
                "rounds": [
                    {
                        "votes": {"Amy Adams": 400, "Ben Baker": 294, "Cy Clark": 156, "Di Dunn": 150},
                        "elected": ["Amy Adams"],
                    },
                    {
                        "votes": {"Amy Adams": 334, "Ben Baker": 300, "Cy Clark": 190, "Di Dunn": 156},
                        "excluded": ["Di Dunn"],
                    },
                    {
                        "votes": {"Amy Adams": 334, "Ben Baker": 340, "Cy Clark": 306, "Di Dunn": 0},
                        "elected": ["Ben Baker"],
                    },
                ],
            },
        }
    ],
}


async def test_stv_summary_keeps_each_line_to_one_stage(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, hustings, db, clock
) -> None:
    await import_pack(db, guild.id, STV, clock, "stv.json")
    view = await ask(sim, member, "/results", {"election": "exec"})
    assert not NEGATIVE.search(view.text), view.text
    amy, ben = _line(view.text, "Amy Adams"), _line(view.text, "Ben Baker")
    cy, di = _line(view.text, "Cy Clark"), _line(view.text, "Di Dunn")
    assert "400" in amy and "stage 1" in amy and "334" not in amy
    assert "340" in ben and "stage 3" in ben and "behind" not in ben
    assert "306" in cy and "stage 3" in cy
    assert "excluded at stage 2" in di and "156" in di
    assert "**Ben Baker** beat **Cy Clark** by **34** votes at stage 3" in view.text, view.text
    profile = await ask(sim, member, "/candidate", {"name": "Di Dunn", "election": "exec"})
    assert "156 votes excluded at stage 2" in profile.text, profile.text

    # #17 part 5: the chart shows each line's figure, sorted by the stage it is from and labelled with it
    spec = results_chart_spec(await hustings.services.reads.results(guild.id, "exec"))
    assert spec is not None and "stage" in spec.xlabel.lower()
    assert [(b.label, b.value, b.note) for b in spec.bars] == [
        ("Amy Adams", 400, "elected at stage 1"),
        ("Di Dunn", 156, "excluded at stage 2"),
        ("Ben Baker", 340, "elected at stage 3"),
        ("Cy Clark", 306, "final, stage 3"),
    ]
    assert "in stage order" in spec.description and "Di Dunn 156 (excluded at stage 2)" in spec.description


# ------------------------------------------------------------------------------------------ item 3


async def test_fractional_votes_are_refused_for_a_bloc_vote(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, demo, db
) -> None:
    before = await _stored(db, guild, "nec-2018")
    reply = await ask(
        sim, mod, "/admin results set", {"candidate": "Sarah Taylor", "votes": 7.011, "election": "nec-2018"}
    )
    assert "whole number" in reply.content and "7011" in reply.content, reply.content
    assert await _stored(db, guild, "nec-2018") == before


# ------------------------------------------------------------------------------------------ item 4

THIN = {
    "version": 1,
    "elections": [
        {
            "slug": "board",
            "name": "Board 2026",
            "seats": 4,
            "voting_system": "bloc",
            "electorate": 10,
            "candidates": [{"name": "Ann Able"}, {"name": "Bob Brown"}],
            "results": {"valid_ballots": 12, "rounds": [{"votes": {"Ann Able": 9}}]},
        }
    ],
}


async def test_publishing_an_incomplete_result_lists_the_gaps_and_asks_first(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, member: SimMember, hustings, db, clock
) -> None:
    await import_pack(db, guild.id, THIN, clock, "thin.json")
    preview = await ask(sim, mod, "/admin results preview", {"election": "board"})
    assert "Bob Brown" in preview.text and "no votes" in preview.text, preview.text
    assert "1 of 4 seats" in preview.text and "120%" in preview.text

    question = await ask(sim, mod, "/admin results publish", {"election": "board"})
    assert "Bob Brown" in question.text and "1 of 4 seats" in question.text and "120%" in question.text
    assert not (await _stored(db, guild, "board")).published
    done = await sim.click(mod, question, question.button("Publish anyway")["custom_id"])
    assert "Published results" in (await done.response()).text
    assert (await _stored(db, guild, "board")).published
    assert sim.violations == []


# ------------------------------------------------------------------------------------------ item 5

CLOSED = {
    "version": 1,
    "bodies": [{"name": "North"}, {"name": "South"}, {"name": "East"}],
    "elections": [
        {
            "slug": "ctee",
            "name": "Committee 2026",
            "seats": 1,
            "voting_system": "fptp",
            "nomination_threshold": 2,
            "timeline": {"nominations_open": "2026-10-01T09:00:00Z", "nominations_close": "2026-10-20T17:00:00Z"},
            "candidates": [{"name": "Ann Able"}, {"name": "Bob Brown"}],
            "nominations": [
                {"body": "North", "candidates": ["Ann Able"]},
                {"body": "South", "candidates": ["Ann Able"]},
            ],
            "results": {"published": True, "rounds": [{"votes": {"Ann Able": 90}}]},
        }
    ],
}


async def test_after_nominations_close_a_candidate_below_the_threshold_did_not_qualify(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, hustings, db, clock
) -> None:
    await import_pack(db, guild.id, CLOSED, clock, "closed.json")
    for command, options in (
        ("/candidates", {"election": "ctee"}),
        ("/candidate", {"name": "Bob Brown", "election": "ctee"}),
        ("/nominations progress", {"election": "ctee"}),
    ):
        view = await ask(sim, member, command, options)
        assert "seeking nominations" not in view.text, (command, view.text)
        assert "needs 2 more" not in view.text, (command, view.text)
        assert "did not qualify" in view.text, (command, view.text)
    only = await ask(sim, member, "/candidates", {"election": "ctee", "status": "did not qualify"})
    assert "Bob Brown" in only.text and "Ann Able" not in only.text
