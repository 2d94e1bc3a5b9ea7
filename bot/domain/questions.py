"""Questions to candidates before a hustings: what a valid question is, who may answer, how they rank.

Plain rules only (no discord, no SQL): the service reads and writes, the cog talks to Discord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

#: How long a question may be, in characters.
QUESTION_MAX = 300
#: How long an answer summary (or a link to the recording) may be.
ANSWER_MAX = 500
#: Questions a member may ask per hustings.
PER_MEMBER = 1
#: How many questions `/questions` shows.
TOP_COUNT = 10
#: Mentions a question may carry before it reads as a ping storm (they never notify anyone anyway).
MENTIONS_MAX = 2

_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@(?:everyone|here)\b")


class QuestionRefused(ValueError):
    """A question or answer cannot be accepted; the message is one sentence for the member."""


@dataclass(frozen=True, slots=True)
class Topic:
    """What questions are put about: one hustings, or the election as a whole (`hustings_id` None)."""

    election_id: int
    hustings_id: int | None
    title: str
    speakers: tuple[str, ...]
    closes_at: datetime | None  # the hustings' start, or the ballot's close; None: open

    @property
    def key(self) -> str:
        """The key its thread is kept under."""
        return f"hustings:{self.hustings_id}" if self.hustings_id is not None else f"election:{self.election_id}"


@dataclass(slots=True)
class Question:
    """One member's question to one candidate ('' for all) at one hustings (None: about the election)."""

    hustings_id: int | None
    author_id: int
    text: str
    candidate: str = ""
    election_id: int = 0
    id: int | None = None
    guild_id: int | None = None
    message_id: int | None = None
    hidden: bool = False
    answered: bool = False
    answer: str = ""
    answered_by: str = ""
    created_at: datetime | None = None
    votes: int = 0
    voters: frozenset[int] = field(default_factory=frozenset)

    @property
    def addressed_to(self) -> str:
        """Who the question is for, in words."""
        return self.candidate or "all the candidates"


def clean_question(text: str) -> str:
    """The question as it will be posted (whitespace tidied), or QuestionRefused with one sentence."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise QuestionRefused("Write your question in `question`.")
    if len(cleaned) > QUESTION_MAX:
        raise QuestionRefused(
            f"Your question is {len(cleaned)} characters; keep it to {QUESTION_MAX} so everyone can read it."
        )
    if len(_MENTION.findall(cleaned)) > MENTIONS_MAX:
        raise QuestionRefused("Ask without mentioning people, roles or channels: write names out instead.")
    return cleaned


def clean_answer(text: str) -> str:
    """An answer summary or link, tidied, or QuestionRefused."""
    cleaned = text.strip()
    if len(cleaned) > ANSWER_MAX:
        raise QuestionRefused(f"Keep the answer to {ANSWER_MAX} characters (or give a link to the recording).")
    if len(_MENTION.findall(cleaned)) > MENTIONS_MAX:
        raise QuestionRefused("Answer without mentioning people, roles or channels.")
    return cleaned


def check_can_ask(topic: Topic, now: datetime, asked_already: int, limit: int = PER_MEMBER) -> None:
    """Refuse a question to a hustings that has begun (an election whose ballot closed), or past the allowance."""
    if topic.closes_at is not None and topic.closes_at <= now:
        if topic.hustings_id is None:
            raise QuestionRefused("That election's ballot has closed, so it no longer takes questions.")
        raise QuestionRefused("That hustings has already started, so it no longer takes questions.")
    if asked_already >= limit:
        raise QuestionRefused(
            f"You've already asked your question for {topic.title}: vote up other members' questions instead."
        )


def may_answer_as(question: Question, linked_candidates: set[str], speakers: list[str]) -> str | None:
    """The candidate the member may answer `question` as, or None.

    A linked member answers questions put to their candidate, or to everyone when their candidate takes part.
    """
    if question.candidate:
        return question.candidate if question.candidate in linked_candidates else None
    for name in speakers:
        if name in linked_candidates:
            return name
    return None


def top_questions(questions: list[Question], count: int = TOP_COUNT) -> list[Question]:
    """Visible questions, most votes first (earlier questions first on a tie)."""
    shown = [q for q in questions if not q.hidden]
    return sorted(shown, key=lambda q: (-q.votes, q.id or 0))[:count]
