"""Questions to candidates: what a valid question is, the per-member allowance, who may answer, the ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.questions import (
    QUESTION_MAX,
    Question,
    QuestionRefused,
    Topic,
    check_can_ask,
    clean_answer,
    clean_question,
    may_answer_as,
    top_questions,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_question_is_tidied_and_kept_to_300_characters() -> None:
    assert clean_question("  What   about\nrents? ") == "What about rents?"
    assert len(clean_question("a" * QUESTION_MAX)) == QUESTION_MAX
    with pytest.raises(QuestionRefused, match="301 characters; keep it to 300"):
        clean_question("a" * (QUESTION_MAX + 1))
    with pytest.raises(QuestionRefused, match="Write your question"):
        clean_question("   ")


def test_a_question_full_of_mentions_is_refused() -> None:
    assert clean_question("Do you agree with <@123>?")  # one name as a mention reads fine (it pings nobody)
    with pytest.raises(QuestionRefused, match="without mentioning"):
        clean_question("<@1> <@&2> <#3> what now?")
    with pytest.raises(QuestionRefused, match="without mentioning"):
        clean_question("@everyone @here @everyone")
    with pytest.raises(QuestionRefused):
        clean_answer("<@1> <@2> <@3>")


def test_one_question_per_member_before_the_start() -> None:
    soon = Topic(1, 5, "NEC hustings", (), NOW + timedelta(hours=1))
    check_can_ask(soon, NOW, 0)
    with pytest.raises(QuestionRefused, match="already asked your question for NEC hustings"):
        check_can_ask(soon, NOW, 1)
    with pytest.raises(QuestionRefused, match="already started"):
        check_can_ask(Topic(1, 5, "NEC hustings", (), NOW), NOW, 0)
    check_can_ask(soon, NOW, 1, limit=2)


def test_questions_about_the_election_close_with_the_ballot() -> None:
    check_can_ask(Topic(1, None, "NEC 2026", (), None), NOW, 0)  # no ballot date yet: open
    with pytest.raises(QuestionRefused, match="ballot has closed"):
        check_can_ask(Topic(1, None, "NEC 2026", (), NOW - timedelta(days=1)), NOW, 0)
    assert Topic(1, None, "NEC 2026", (), None).key == "election:1"
    assert Topic(1, 5, "NEC hustings", (), None).key == "hustings:5"


def test_a_linked_member_answers_their_candidates_questions_and_those_to_everyone() -> None:
    to_ann = Question(1, 7, "Q", candidate="Ann Black")
    to_all = Question(1, 7, "Q")
    assert may_answer_as(to_ann, {"Ann Black"}, ["Ann Black", "Jon Lansman"]) == "Ann Black"
    assert may_answer_as(to_ann, {"Jon Lansman"}, ["Ann Black", "Jon Lansman"]) is None
    assert may_answer_as(to_all, {"Jon Lansman"}, ["Ann Black", "Jon Lansman"]) == "Jon Lansman"
    assert may_answer_as(to_all, {"Eddie Izzard"}, ["Ann Black", "Jon Lansman"]) is None  # not taking part


def test_top_questions_by_votes_then_age_hidden_left_out() -> None:
    qs = [
        Question(1, 1, "a", id=1, votes=2),
        Question(1, 2, "b", id=2, votes=5, hidden=True),
        Question(1, 3, "c", id=3, votes=2),
        Question(1, 4, "d", id=4, votes=3),
    ]
    assert [q.id for q in top_questions(qs)] == [4, 1, 3]
    assert [q.id for q in top_questions(qs, count=1)] == [4]
