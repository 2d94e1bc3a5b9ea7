"""Questions to candidates: the post in a hustings thread, `/questions`, and the replies members see."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.domain.questions import Question, Topic
from bot.render.common import md
from bot.services.questions import Asked, Voted

COLOUR = discord.Colour(0x5865F2)
HIDDEN_COLOUR = discord.Colour(0x99AAB5)
ANSWERED_COLOUR = discord.Colour(0x57F287)


def _votes(n: int) -> str:
    return "1 vote" if n == 1 else f"{n} votes"


def question_post(q: Question) -> discord.Embed:
    """A question's post in the thread: who it is for, the text, its votes and any answer."""
    if q.hidden:
        return discord.Embed(
            title=f"Question #{q.id}",
            description="A moderator hid this question.",
            colour=HIDDEN_COLOUR,
        )
    embed = discord.Embed(
        title=f"Question #{q.id} to {md(q.addressed_to)}"[:256],
        description=md(q.text),
        colour=ANSWERED_COLOUR if q.answered else COLOUR,
    )
    if q.answered:
        heading = f"Answer from {md(q.answered_by)} (candidate)" if q.answered_by else "Answered at the hustings"
        embed.add_field(name=heading[:256], value=md(q.answer)[:1024] if q.answer else "✅ Answered", inline=False)
    embed.set_footer(text=f"{_votes(q.votes)} · press ▲ to vote it up (again to take your vote back)")
    return embed


def asked_reply(asked: Asked) -> str:
    """The asker's ephemeral confirmation."""
    q = asked.question
    return (
        f"Your question #{q.id} to {md(q.addressed_to)} is posted in <#{asked.thread_id}> for "
        f"**{md(asked.topic.title)}**. Members can vote it up there."
    )


def voted_reply(voted: Voted) -> str:
    """The voter's ephemeral confirmation."""
    if voted.counted:
        return f"Your vote for question #{voted.question.id} counts ({_votes(voted.question.votes)} now)."
    return f"Vote taken back from question #{voted.question.id} ({_votes(voted.question.votes)} now)."


def top_embed(topic: Topic, questions: Sequence[Question]) -> discord.Embed:
    """`/questions`: the most-voted questions for a hustings (or the election)."""
    embed = discord.Embed(title=f"Top questions: {md(topic.title)}"[:256], colour=COLOUR)
    if not questions:
        embed.description = "No questions yet. Ask one with `/ask`."
        return embed
    lines = []
    for q in questions:
        mark = " ✅" if q.answered else ""
        lines.append(f"**{_votes(q.votes)}** · #{q.id} to {md(q.addressed_to)}{mark}\n{md(q.text)}")
    embed.description = "\n\n".join(lines)[:4096]
    return embed


def hidden_reply(q: Question) -> str:
    """The moderator's confirmation."""
    return f"Question #{q.id} is hidden; its post in the thread says so. This is in the audit log."


def answered_reply(q: Question) -> str:
    """The organiser's (or candidate's) confirmation."""
    who = f" as {md(q.answered_by)}'s answer" if q.answered_by else ""
    return f"Question #{q.id} is marked answered{who}; its post in the thread shows it."


def linked_reply(candidate: str, election: str, member_id: int | None) -> str:
    """The moderator's confirmation of a link."""
    if member_id is None:
        return f"{md(candidate)} ({md(election)}) is no longer linked to a member."
    return (
        f"<@{member_id}> can now answer questions put to {md(candidate)} ({md(election)}) with the Answer button "
        "under each question in the hustings thread."
    )


def interested_label(count: int) -> str:
    """The Interested button's label with its count."""
    return f"Interested ({count})"


def interested_reply(on: bool, count: int) -> str:
    """The member's confirmation of an Interested press."""
    others = "1 member is" if count == 1 else f"{count} members are"
    if on:
        return f"Marked as interested: {others} interested now. Press again to take it back."
    return f"No longer marked as interested ({others} interested)."


def forum_starter(name: str) -> str:
    """The first message of a questions post in a forum channel."""
    return f"**{md(name)}** — members' questions to the candidates, posted with `/ask`. Vote with ▲."


def channel_reply(channel_id: int | None, where: str = "") -> str:
    """`/hustings questions_channel`: where questions threads open now."""
    if channel_id is None:
        return "Questions threads open in the channel where the first question for a hustings (or election) is asked."
    kind = "posts in the forum" if where == "forum" else "threads in"
    return f"New questions threads open as {kind} <#{channel_id}>. Threads already open stay where they are."
