"""Questions to candidates: members ask before a hustings, vote questions up; moderators hide them;
organisers, or the member a moderator linked to a candidate, answer them.

Questions are posted in one thread per hustings. Discord is reached through a `QuestionBoard` (the cog's
adapter, or a test's), so the rules and the data stay here and the order is always: check everything,
open the thread if needed, store, post; a post that fails takes its stored question back with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock
from bot.domain.access import Actor, Level
from bot.domain.questions import (
    Question,
    QuestionRefused,
    Topic,
    check_can_ask,
    clean_answer,
    clean_question,
    may_answer_as,
    top_questions,
)
from bot.errors import NotFound, UserError
from bot.services.access import AccessService
from bot.services.audit_trail import record_change
from bot.services.hustings import HustingsService
from bot.store import question_places as places
from bot.store import questions as repo
from bot.store.database import Database

log = logging.getLogger(__name__)

NO_QUESTION = "There's no such question here: use the number shown on its post (e.g. 12)."


class ThreadGone(Exception):
    """The hustings' thread no longer exists in Discord (deleted by someone): a new one is opened."""


class QuestionBoard(Protocol):
    """The hustings threads in Discord, as the service needs them."""

    def missing(self, channel_id: int) -> list[str]:
        """Permissions the bot lacks to open a thread (or forum post) in `channel_id` and post in it (names as
        Discord shows); UserError when it is no text or forum channel of the server."""
        ...

    async def open_thread(self, channel_id: int, name: str) -> int:
        """Start a public thread in the channel (in a forum: a post); returns its id."""
        ...

    async def post(self, thread_id: int, question: Question) -> int:
        """Post a question (with its buttons) in the thread; returns the message id (ThreadGone: no thread)."""
        ...

    async def refresh(self, thread_id: int, question: Question) -> None:
        """Bring a question's post in line with the question (votes, hidden, answer)."""
        ...


@dataclass(frozen=True, slots=True)
class Asked:
    """A question as posted."""

    question: Question
    topic: Topic
    thread_id: int
    new_thread: bool


@dataclass(frozen=True, slots=True)
class Voted:
    """A vote after a press: whether it now stands and the question's count."""

    question: Question
    counted: bool


def _refused(exc: QuestionRefused) -> UserError:
    return UserError(str(exc))


class QuestionService:
    """Questions use-cases over the store, the hustings service and a question board."""

    def __init__(self, db: Database, clock: Clock, access: AccessService, hustings: HustingsService) -> None:
        self.db = db
        self.clock = clock
        self.access = access
        self.hustings = hustings

    async def get(self, guild_id: int, question_id: int) -> Question:
        """One question of this guild (NotFound with a sentence otherwise)."""
        return await self._question(guild_id, question_id)

    async def _question(self, guild_id: int, question_id: int) -> Question:
        found = await repo.get(self.db.reader, guild_id, question_id)
        if found is None:
            raise NotFound(NO_QUESTION)
        return found

    async def topic(self, guild_id: int, hustings_id: int | None, election: str | None = None) -> Topic:
        """A hustings of this guild, or (no hustings) the election named or the current one, as a topic."""
        if hustings_id is not None:
            view = await self.hustings.info(guild_id, hustings_id)
            h = view.hustings
            return Topic(h.election_id, hustings_id, h.title, view.speakers, h.starts_at)
        reads = self.hustings.reads
        data = reads.resolve_election(await reads.snapshot(guild_id), election, self.clock.now())
        assert data.election.id is not None
        speakers = tuple(self.hustings.speakers(data))
        return Topic(data.election.id, None, data.election.name, speakers, data.election.timeline.ballot_close)

    async def _topic_of(self, q: Question) -> Topic:
        assert q.guild_id is not None
        if q.hustings_id is not None:
            return await self.topic(q.guild_id, q.hustings_id)
        snap = await self.hustings.reads.snapshot(q.guild_id)
        data = next((d for d in snap.elections if d.election.id == q.election_id), None)
        if data is None:
            raise NotFound(NO_QUESTION)
        return await self.topic(q.guild_id, None, data.election.slug)

    async def ask(
        self,
        actor: Actor,
        board: QuestionBoard,
        *,
        hustings_id: int | None,
        text: str,
        candidate: str | None,
        channel_id: int,
        election: str | None = None,
    ) -> Asked:
        """Post a member's question in the hustings' (or election's) thread, opened in `channel_id` the first time."""
        assert actor.user_id is not None
        guild_id = actor.guild_id
        topic = await self.topic(guild_id, hustings_id, election)
        now = self.clock.now()
        try:
            cleaned = clean_question(text)
            asked = await repo.count_by(self.db.reader, topic, actor.user_id)
            check_can_ask(topic, now, asked)
        except QuestionRefused as exc:
            raise _refused(exc) from None
        to = ""
        if candidate and candidate.strip().casefold() not in ("", "all", "everyone"):
            wanted = candidate.strip().casefold()
            to = next((s for s in topic.speakers if s.casefold() == wanted), "")
            if not to:
                raise UserError(
                    f"{candidate.strip()} isn't taking part in {topic.title}: pick a name from the list, "
                    "or leave `candidate` empty to ask everyone."
                )
        thread_id = await repo.thread_for(self.db.reader, guild_id, topic.key)
        new_thread = thread_id is None
        chosen = await places.question_channel(self.db.reader, guild_id)  # organisers' choice, else right here
        channel_id = chosen or channel_id
        if thread_id is None:
            thread_id = await self._open(board, guild_id, topic, channel_id, chosen is not None)
        q = Question(
            hustings_id=hustings_id,
            author_id=actor.user_id,
            text=cleaned,
            candidate=to,
            election_id=topic.election_id,
            guild_id=guild_id,
        )
        async with self.db.transaction() as tx:
            q.id = await repo.insert(tx, guild_id, q, now)
        try:
            try:
                message_id = await board.post(thread_id, q)
            except ThreadGone:  # deleted in Discord while we weren't listening: open a new one, post there
                thread_id, new_thread = await self._open(board, guild_id, topic, channel_id, chosen is not None), True
                message_id = await board.post(thread_id, q)
        except Exception:
            async with self.db.transaction() as tx:
                await repo.delete(tx, q.id)
            raise
        async with self.db.transaction() as tx:
            await repo.set_message(tx, q.id, message_id)
        q.message_id = message_id
        return Asked(q, topic, thread_id, new_thread)

    async def _open(self, board: QuestionBoard, guild_id: int, topic: Topic, channel_id: int, chosen: bool) -> int:
        """Open the topic's questions thread in `channel_id` (the bot's permissions checked first); `chosen`:
        the channel is the organisers' choice rather than where the member asked."""
        try:
            missing = board.missing(channel_id)
        except UserError:
            if not chosen:
                raise
            raise UserError(
                "The channel organisers chose for questions is gone: an organiser can choose another with "
                "`/hustings questions_channel`. Your question was not posted."
            ) from None
        if missing:
            names = " and ".join(f"**{m}**" for m in missing)
            if chosen:
                raise UserError(
                    f"I can't open the questions thread in <#{channel_id}>, the channel organisers chose: an "
                    f"organiser can give me {names} there (channel settings → Permissions). "
                    "Your question was not posted."
                )
            raise UserError(
                f"I can't open the questions thread here: give me {names} in this channel "
                "(channel settings → Permissions), then ask again. Your question was not posted."
            )
        thread_id = await board.open_thread(channel_id, f"Questions: {topic.title}"[:100])
        async with self.db.transaction() as tx:
            await repo.remember_thread(tx, guild_id, topic.key, channel_id, thread_id)
        return thread_id

    async def question_channel(self, guild_id: int) -> int | None:
        """The channel organisers chose for questions threads (None: where the first question is asked)."""
        return await places.question_channel(self.db.reader, guild_id)

    async def set_question_channel(self, actor: Actor, board: QuestionBoard, channel_id: int | None) -> int | None:
        """An organiser chooses where new questions threads open (None: back to where asked); the bot's
        permissions there are checked first and a missing one named, changing nothing. Audited."""
        await self.access.require(actor, Level.ORGANISER, "questions.channel")
        if channel_id is not None:
            missing = board.missing(channel_id)
            if missing:
                names = " and ".join(f"**{m}**" for m in missing)
                raise UserError(
                    f"I can't open questions threads in <#{channel_id}>: give me {names} there "
                    "(channel settings → Permissions), then choose it again. Nothing was changed."
                )
        before = await places.question_channel(self.db.reader, actor.guild_id)
        async with self.db.transaction() as tx:
            await places.set_question_channel(tx, actor.guild_id, channel_id)
            await record_change(
                tx,
                actor,
                "questions.channel",
                "questions channel",
                before={"channel": before},
                after={"channel": channel_id},
                at=self.clock.now(),
            )
        return channel_id

    async def thread_deleted(self, guild_id: int, thread_id: int) -> bool:
        """A thread was deleted in Discord (Thread Delete): forget it if it held questions, so the next
        question opens a new one. True when it was a questions thread."""
        async with self.db.transaction() as tx:
            return await places.forget_thread(tx, guild_id, thread_id) > 0

    async def vote(self, guild_id: int, user_id: int, question_id: int) -> Voted:
        """Toggle the member's upvote (one per member; a second press takes it back)."""
        q = await self._question(guild_id, question_id)
        if q.hidden:
            raise UserError("A moderator hid that question, so it no longer takes votes.")
        async with self.db.transaction() as tx:
            counted = await repo.toggle_vote(tx, question_id, user_id)
        return Voted(await self._question(guild_id, question_id), counted)

    async def top(
        self, guild_id: int, hustings_id: int | None, election: str | None = None
    ) -> tuple[Topic, list[Question]]:
        """The hustings (or election) and its most-voted visible questions."""
        topic = await self.topic(guild_id, hustings_id, election)
        return topic, top_questions(await repo.for_topic(self.db.reader, guild_id, topic))

    async def _refresh(self, board: QuestionBoard, q: Question) -> None:
        """Edit the question's post; the data change stands even when Discord refuses the edit."""
        if q.message_id is None or q.guild_id is None:
            return
        try:
            thread_id = await repo.thread_for(self.db.reader, q.guild_id, (await self._topic_of(q)).key)
            if thread_id is not None:
                await board.refresh(thread_id, q)
        except Exception:
            log.warning("could not update the post of question %s", q.id, exc_info=True)

    async def hide(self, actor: Actor, board: QuestionBoard, question_id: int) -> Question:
        """A moderator hides a question (audited); its post says so."""
        await self.access.require(actor, Level.MODERATOR, "questions.hide", f"question #{question_id}")
        q = await self._question(actor.guild_id, question_id)
        if q.hidden:
            raise UserError(f"Question #{question_id} is already hidden.")
        async with self.db.transaction() as tx:
            await repo.set_hidden(tx, question_id, True)
            await record_change(
                tx,
                actor,
                "questions.hide",
                f"question #{question_id}",
                before={"text": q.text, "hidden": False},
                after={"hidden": True},
                at=self.clock.now(),
            )
        q = await self._question(actor.guild_id, question_id)
        await self._refresh(board, q)
        return q

    async def mark_answered(self, actor: Actor, board: QuestionBoard, question_id: int, answer: str | None) -> Question:
        """An organiser marks a question answered, with an optional summary or recording link (audited)."""
        await self.access.require(actor, Level.ORGANISER, "questions.answer", f"question #{question_id}")
        return await self._answer(actor, board, question_id, answer or "", "", "questions.answer")

    async def answer_as_candidate(self, actor: Actor, board: QuestionBoard, question_id: int, answer: str) -> Question:
        """The member linked to a candidate answers a question put to them (marked as the candidate's)."""
        q = await self._question(actor.guild_id, question_id)
        name = await self.answerable_as(actor, q)
        if name is None:
            raise UserError("Only the member a moderator linked to this question's candidate can answer it here.")
        if not answer.strip():
            raise UserError("Write the answer in the form.")
        return await self._answer(actor, board, question_id, answer, name, "questions.candidate_answer")

    async def answerable_as(self, actor: Actor, q: Question) -> str | None:
        """The candidate `actor` may answer `q` as, or None."""
        if actor.user_id is None or q.hidden:
            return None
        topic = await self._topic_of(q)
        linked = await repo.candidates_of(self.db.reader, topic.election_id, actor.user_id)
        return may_answer_as(q, linked, list(topic.speakers))

    async def _answer(
        self, actor: Actor, board: QuestionBoard, question_id: int, answer: str, by: str, action: str
    ) -> Question:
        q = await self._question(actor.guild_id, question_id)
        if q.hidden:
            raise UserError(f"Question #{question_id} is hidden; show it again before answering it.")
        try:
            cleaned = clean_answer(answer)
        except QuestionRefused as exc:
            raise _refused(exc) from None
        async with self.db.transaction() as tx:
            await repo.set_answer(tx, question_id, cleaned, by)
            await record_change(
                tx,
                actor,
                action,
                f"question #{question_id}",
                before={"answered": q.answered, "answer": q.answer, "by": q.answered_by},
                after={"answered": True, "answer": cleaned, "by": by},
                at=self.clock.now(),
            )
        q = await self._question(actor.guild_id, question_id)
        await self._refresh(board, q)
        return q

    async def link(self, actor: Actor, candidate: str, election: str | None, member_id: int | None) -> tuple[str, str]:
        """A moderator links a candidate to the member who answers for them (None unlinks); audited.

        Returns (candidate name, election name).
        """
        await self.access.require(actor, Level.MODERATOR, "questions.link", candidate)
        reads = self.hustings.reads
        data = reads.resolve_election(await reads.snapshot(actor.guild_id), election, self.clock.now())
        assert data.election.id is not None
        wanted = candidate.strip().casefold()
        found = next((c.name for c in data.candidates if c.name.casefold() == wanted), None)
        if found is None:
            raise UserError(f"No candidate called {candidate.strip()} stands in {data.election.name}.")
        before = await repo.linked_member(self.db.reader, data.election.id, found)
        async with self.db.transaction() as tx:
            await repo.link_candidate(tx, data.election.id, found, member_id)
            await record_change(
                tx,
                actor,
                "questions.link",
                f"{data.election.slug}: {found}",
                before={"member": before},
                after={"member": member_id},
                at=self.clock.now(),
            )
        return found, data.election.name

    async def interested(self, guild_id: int, user_id: int, hustings_id: int) -> tuple[bool, int]:
        """Toggle the member's Interested mark; (now interested, how many are)."""
        await self.hustings.info(guild_id, hustings_id)  # a cancelled or unknown hustings finds nothing
        async with self.db.transaction() as tx:
            now_on = await repo.toggle_interest(tx, hustings_id, user_id)
        return now_on, await repo.interest_count(self.db.reader, hustings_id)

    async def interest_count(self, hustings_id: int) -> int:
        """How many members marked a hustings Interested."""
        return await repo.interest_count(self.db.reader, hustings_id)
