"""`/ask`, `/questions` and the question moderation commands under `/hustings` (issue #17 part 2).

Members ask a candidate (or all) before a hustings; each question is posted in the hustings' thread with
stateless buttons: ▲ votes it up (a second press takes the vote back) and Answer lets the member a
moderator linked to the candidate answer in a form. Rules live in bot/domain/questions.py, the use-cases
in bot/services/questions.py; this cog only talks to Discord.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.domain.access import Level
from bot.domain.cooldown import UseKind
from bot.domain.questions import ANSWER_MAX, Question
from bot.errors import UserError
from bot.render import questions as render
from bot.render.admin import NO_MENTIONS, send
from bot.render.views import SentButtons
from bot.services.questions import QuestionService, ThreadGone
from cogs._access import actor_from, require
from cogs._buttons import IdButton
from cogs._common import election_autocomplete, on_hustings
from cogs._hustings_group import attach_to_hustings, detach_from_hustings
from cogs.hustings import _guild, _hustings_id, hustings_autocomplete

log = logging.getLogger(__name__)


def _service(client: HustingsBot) -> QuestionService:
    return client.services.questions


class DiscordBoard:
    """The hustings threads through discord.py: open a public thread (or a forum post), post and edit question posts."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _parent(self, channel_id: int) -> discord.TextChannel | discord.ForumChannel:
        channel = self.client.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise UserError("Ask in a text channel of the server: the questions thread opens there.")
        return channel

    def missing(self, channel_id: int) -> list[str]:
        """What the bot lacks to open a thread (or forum post) here and post in it, as Discord's settings name it."""
        channel = self._parent(channel_id)
        have = channel.permissions_for(channel.guild.me)
        start = (
            ("Create Posts", have.send_messages)  # a forum's "Create Posts" is the Send Messages bit
            if isinstance(channel, discord.ForumChannel)
            else ("Create Public Threads", have.create_public_threads)
        )
        needs = (
            ("View Channel", have.view_channel),
            start,
            ("Send Messages in Threads", have.send_messages_in_threads),
            ("Embed Links", have.embed_links),
        )
        return [name for name, ok in needs if not ok]

    async def open_thread(self, channel_id: int, name: str) -> int:
        """Start a public thread without a starter message, or in a forum a post whose first message says what it is."""
        parent = self._parent(channel_id)
        if isinstance(parent, discord.ForumChannel):
            made = await parent.create_thread(
                name=name,
                auto_archive_duration=10080,
                content=render.forum_starter(name),
                allowed_mentions=NO_MENTIONS,
            )
            return made.thread.id
        thread = await parent.create_thread(
            name=name,
            type=discord.ChannelType.public_thread,
            auto_archive_duration=10080,  # a week idle before it archives
        )
        return thread.id

    async def post(self, thread_id: int, question: Question) -> int:
        """Post the question with its buttons; a refusal becomes a sentence for the member."""
        thread = self.client.get_partial_messageable(thread_id)
        try:
            message = await thread.send(
                embed=render.question_post(question), view=question_view(question), allowed_mentions=NO_MENTIONS
            )
        except discord.NotFound:
            raise ThreadGone from None
        except discord.Forbidden:
            raise UserError(
                "I can't post in the questions thread: give me **Send Messages in Threads** in its channel, "
                "then ask again. Your question was not posted."
            ) from None
        return message.id

    async def refresh(self, thread_id: int, question: Question) -> None:
        """Edit the question's post (a hidden question loses its buttons)."""
        assert question.message_id is not None
        message = self.client.get_partial_messageable(thread_id).get_partial_message(question.message_id)
        await message.edit(
            embed=render.question_post(question),
            view=None if question.hidden else question_view(question),
            allowed_mentions=NO_MENTIONS,
        )


# ------------------------------------------------------------------------------ stateless buttons


class UpvoteButton(IdButton, prefix="q:up:"):
    """▲: vote a question up, or take the vote back; the custom id carries the question."""

    acknowledge = "update"
    cooldown = UseKind.WRITE

    def __init__(self, question_id: int, votes: int = 0) -> None:
        super().__init__(question_id, f"▲ {votes}", style=discord.ButtonStyle.primary)
        self.question_id = question_id

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Toggle the vote, show the new count on the post, tell the member."""
        voted = await _service(press.client).vote(_guild(press), press.user.id, self.question_id)
        q = voted.question
        await press.edit_original_response(embed=render.question_post(q), view=question_view(q))
        await press.followup.send(render.voted_reply(voted), ephemeral=True, allowed_mentions=NO_MENTIONS)


class AnswerButton(IdButton, prefix="q:ans:"):
    """Answer: the member linked to the question's candidate answers it in a form."""

    acknowledge = None  # a form must be the first answer

    def __init__(self, question_id: int) -> None:
        super().__init__(question_id, "Answer (candidates)")
        self.question_id = question_id

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Open the form for a linked member; anyone else is told who may answer (a form must come first,
        so the one quick check is done before answering)."""
        service = _service(press.client)
        actor = actor_from(press)
        q = await service.get(_guild(press), self.question_id)
        name = await service.answerable_as(actor, q)
        if name is None:
            raise UserError("Only the member a moderator linked to this question's candidate can answer it here.")
        await press.response.send_modal(AnswerForm(self.question_id, name, q.answer if q.answered_by else ""))


class AnswerForm(discord.ui.Modal):
    """The candidate's answer, up to ANSWER_MAX characters (the current modal layout: a Label per input)."""

    def __init__(self, question_id: int, candidate: str, current: str) -> None:
        super().__init__(title=f"Answer as {candidate}"[:45], timeout=15 * 60)
        self.question_id = question_id
        self.answer: discord.ui.TextInput = discord.ui.TextInput(
            custom_id="answer",
            style=discord.TextStyle.paragraph,
            default=current or None,
            max_length=ANSWER_MAX,
            placeholder="Your answer, or a link to where you answered",
        )
        self.add_item(discord.ui.Label(text=f"Question #{question_id}", component=self.answer))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Acknowledge, then store and show the answer as the candidate's."""
        press = on_hustings(interaction)
        await press.response.defer(ephemeral=True, thinking=True)
        try:
            q = await _service(press.client).answer_as_candidate(
                actor_from(press), DiscordBoard(press.client), self.question_id, self.answer.value
            )
        except UserError as exc:
            await send(press, str(exc))
            return
        await send(press, render.answered_reply(q))


def question_view(q: Question) -> discord.ui.View:
    """The buttons under a question's post."""
    view = SentButtons()
    assert q.id is not None
    view.add_item(UpvoteButton(q.id, q.votes))
    view.add_item(AnswerButton(q.id))
    return view


async def speaker_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """The candidates taking part in the hustings picked in `hustings` (none picked: in the election)."""
    if interaction.guild_id is None:
        return []
    try:
        picked = str(getattr(interaction.namespace, "hustings", "") or "")
        election = getattr(interaction.namespace, "election", None)
        hid = _hustings_id(picked) if picked else None
        topic = await interaction.client.services.questions.topic(interaction.guild_id, hid, election)
    except Exception:  # gone, or not yet typed in full: no names to offer
        return []
    typed = current.casefold().strip()
    names = ["all", *topic.speakers]
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names if typed in n.casefold()][:25]


class ModerationCommands(app_commands.Group, name="hustings", description="Hustings meetings"):
    """Hide, mark answered and link candidates; `QuestionsCog` attaches them to `/hustings`."""

    @app_commands.command(name="hide", description="Hide a question from members (moderators)")
    @app_commands.describe(question="The question's number, shown on its post (e.g. 12)")
    async def hide(self, interaction: discord.Interaction[HustingsBot], question: app_commands.Range[int, 1]) -> None:
        """Hide it; the post in the thread says so."""
        _guild(interaction)
        actor = await require(interaction, Level.MODERATOR, "questions.hide", f"question #{question}")
        await interaction.response.defer(ephemeral=True, thinking=True)
        q = await _service(interaction.client).hide(actor, DiscordBoard(interaction.client), question)
        await send(interaction, render.hidden_reply(q))

    @app_commands.command(name="answered", description="Mark a question answered (organisers)")
    @app_commands.describe(
        question="The question's number, shown on its post (e.g. 12)",
        answer="A short summary of the answer, or a link to the recording",
    )
    async def answered(
        self,
        interaction: discord.Interaction[HustingsBot],
        question: app_commands.Range[int, 1],
        answer: app_commands.Range[str, 1, ANSWER_MAX] | None = None,
    ) -> None:
        """Mark it answered, with an optional summary or link."""
        _guild(interaction)
        actor = await require(interaction, Level.ORGANISER, "questions.answer", f"question #{question}")
        await interaction.response.defer(ephemeral=True, thinking=True)
        q = await _service(interaction.client).mark_answered(actor, DiscordBoard(interaction.client), question, answer)
        await send(interaction, render.answered_reply(q))

    @app_commands.command(
        name="speaker", description="Link a candidate to the member who answers for them (moderators)"
    )
    @app_commands.describe(
        candidate="The candidate's name",
        member="The member who answers for them (leave empty to unlink)",
        election="Which election (default: the current one)",
    )
    @app_commands.autocomplete(election=election_autocomplete)
    async def speaker(
        self,
        interaction: discord.Interaction[HustingsBot],
        candidate: app_commands.Range[str, 1, 100],
        member: discord.Member | None = None,
        election: str | None = None,
    ) -> None:
        """Link (or unlink) and confirm."""
        _guild(interaction)
        actor = await require(interaction, Level.MODERATOR, "questions.link", candidate)
        member_id = member.id if member is not None else None
        name, election_name = await _service(interaction.client).link(actor, candidate, election, member_id)
        await send(interaction, render.linked_reply(name, election_name, member_id))

    @app_commands.command(
        name="questions_channel", description="Where questions threads open: a text or forum channel (organisers)"
    )
    @app_commands.describe(
        channel="A text channel (a thread per hustings) or a forum (a post per hustings)",
        clear="Go back to opening each thread where its first question is asked",
    )
    async def questions_channel(
        self,
        interaction: discord.Interaction[HustingsBot],
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        clear: bool = False,
    ) -> None:
        """Choose (or clear) the channel; without options, say where threads open now."""
        guild_id = _guild(interaction)
        actor = await require(interaction, Level.ORGANISER, "questions.channel")
        service = _service(interaction.client)
        if channel is None and not clear:
            current = await service.question_channel(guild_id)
            await send(interaction, render.channel_reply(current, _kind(interaction, current)))
            return
        if channel is not None and clear:
            raise UserError("Choose a channel or clear it, not both.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        chosen = await service.set_question_channel(
            actor, DiscordBoard(interaction.client), channel.id if channel is not None else None
        )
        await send(interaction, render.channel_reply(chosen, _kind(interaction, chosen)))


def _kind(interaction: discord.Interaction[HustingsBot], channel_id: int | None) -> str:
    found = interaction.client.get_channel(channel_id) if channel_id is not None else None
    return "forum" if isinstance(found, discord.ForumChannel) else "text"


class QuestionsCog(commands.Cog, name="Questions"):
    """`/ask`, `/questions`, and `/hustings hide|answered|speaker`; registers the stateless buttons."""

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot
        self._attached: list[str] = []

    @app_commands.command(name="ask", description="Ask the candidates a question before a hustings")
    @app_commands.describe(
        question="Your question (up to 300 characters)",
        hustings="Which hustings (leave empty to ask about the election as a whole)",
        candidate="Ask one candidate (default: all of them)",
        election="Without a hustings: which election (default: the current one)",
    )
    @app_commands.autocomplete(
        hustings=hustings_autocomplete, candidate=speaker_autocomplete, election=election_autocomplete
    )
    async def ask(
        self,
        interaction: discord.Interaction[HustingsBot],
        question: app_commands.Range[str, 1, 1000],
        hustings: str | None = None,
        candidate: str | None = None,
        election: str | None = None,
    ) -> None:
        """Post the question in the hustings' (or election's) thread, opened here the first time."""
        _guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        asked = await _service(interaction.client).ask(
            actor_from(interaction),
            DiscordBoard(interaction.client),
            hustings_id=_hustings_id(hustings) if hustings else None,
            text=question,
            candidate=candidate,
            channel_id=interaction.channel_id or 0,  # none: refused as "ask in a text channel"
            election=election,
        )
        await send(interaction, render.asked_reply(asked))

    @app_commands.command(name="questions", description="The most-voted questions for a hustings or an election")
    @app_commands.describe(
        hustings="Which hustings (leave empty for the election's own questions)",
        election="Without a hustings: which election (default: the current one)",
    )
    @app_commands.autocomplete(hustings=hustings_autocomplete, election=election_autocomplete)
    async def questions(
        self, interaction: discord.Interaction[HustingsBot], hustings: str | None = None, election: str | None = None
    ) -> None:
        """Top questions, most votes first."""
        hid = _hustings_id(hustings) if hustings else None
        topic, top = await _service(interaction.client).top(_guild(interaction), hid, election)
        await send(interaction, embed=render.top_embed(topic, top))

    async def cog_load(self) -> None:
        """Attach the moderation commands to `/hustings`; register the stateless buttons."""
        self.bot.add_dynamic_items(UpvoteButton, AnswerButton)
        attach_to_hustings(self.bot, "cogs.questions", ModerationCommands(), self._attached)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A questions thread deleted in Discord is forgotten: the next question opens a new one."""
        try:
            if await _service(self.bot).thread_deleted(payload.guild_id, payload.thread_id):
                log.info(
                    "questions thread %s was deleted in Discord; the next question opens a new one", payload.thread_id
                )
        except Exception:  # a listener must never take the gateway down; the failed post still finds out
            log.exception("could not forget deleted thread %s", payload.thread_id)

    async def cog_unload(self) -> None:
        """Detach the commands and the buttons."""
        self.bot.remove_dynamic_items(UpvoteButton, AnswerButton)
        detach_from_hustings(self.bot, self._attached)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(QuestionsCog(bot))
