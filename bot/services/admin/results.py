"""Moderator use-cases for results: enter votes, preview, publish (optionally two-person), unpublish."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import admin_rules as rules
from bot.domain.access import Actor
from bot.domain.models import Election, ElectionResult, VotingSystem
from bot.domain.results import Winners, check_votes, incomplete_parts, restates_the_count, summarise_result
from bot.domain.standing import expected_on_ballot
from bot.domain.validation import ValidationError
from bot.errors import UserError
from bot.services.admin.core import AdminCore, NeedsConfirmation, Outcome
from bot.services.admin.pending import AdminPending
from bot.services.read.snapshot import load_snapshot
from bot.services.read.view_models import ResultsMode, ResultsView
from bot.services.read.views import ViewBuilder
from bot.store import elections, meta, results

MAX_ROUNDS = 50

KEEP_DECLARED = "keep"
RECOMPUTE = "recompute"


@dataclass(frozen=True, slots=True)
class NeedsChoice:
    """The change was not made: the moderator must pick one of `choices` ((value, button label) pairs)."""

    question: str
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PublishPending:
    """Two-person publish is on and this moderator's request now waits for a different moderator."""

    election: Election
    request: rules.PublishRequest
    audit_id: int


class AdminResults:
    """Enter and publish results."""

    def __init__(self, core: AdminCore) -> None:
        self.core = core
        self.pending = AdminPending(core)

    async def set_votes(
        self,
        actor: Actor,
        candidate_name: str,
        votes: float,
        round_no: int = 1,
        election_slug: str | None = None,
        *,
        declared: str | None = None,
    ) -> Outcome | NeedsChoice:
        """Set one candidate's votes in one round (round 1 for bloc and FPTP; a stage for STV).

        Bloc/FPTP winners are computed from the votes, so an edit recomputes them. When the result
        carries a declared set (elected marks that are not simply the count's top `seats`), the
        moderator is asked first: `declared` = KEEP_DECLARED keeps the declaration, RECOMPUTE drops it.
        """
        await self.core.require(actor, "results.set", candidate_name)
        if votes < 0:
            raise UserError("`votes` can't be negative.")
        if not 1 <= round_no <= MAX_ROUNDS:
            raise UserError(f"`round` must be between 1 and {MAX_ROUNDS}.")
        if declared not in (None, KEEP_DECLARED, RECOMPUTE):
            raise ValueError(f"unknown choice {declared!r}")
        if declared is None:
            election = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
            assert election.id is not None
            _whole(election, votes)
            if _declaration(election, await results.get(self.core.db.reader, election.id)):
                return NeedsChoice(
                    f"The winners of **{rules.echo(election.name)}** were declared, not computed from the votes "
                    "(for example under a quota rule). Keep that declaration with the new votes, or recompute "
                    "the winners from the votes?",
                    ((KEEP_DECLARED, "Keep the declaration"), (RECOMPUTE, "Recompute the winners")),
                )
        requested_by = ""
        target = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
        shown = await elections.get_result_meta(self.core.db.reader, target.id or 0)
        settings = await meta.get_settings(self.core.db.reader, actor.guild_id)
        if shown.published and settings.two_person_publish:
            # Members see published figures: with the two-person rule a second moderator confirms the edit
            # (by entering the same votes), and until then members keep seeing the old figures.
            request = {"candidate": candidate_name, "votes": votes, "round": round_no, "election": target.slug}
            gate = await self.pending.second_moderator(actor, "results.set", {**request, "declared": declared})
            if gate.confirmed is None:
                return await self._record_request(actor, target, candidate_name, round_no, votes)
            requested_by = gate.confirmed.requested_name
        async with self.core.change(actor, "results.set", candidate_name) as ch:
            election, candidate = await self.core.candidate(ch.tx, actor.guild_id, candidate_name, election_slug)
            assert election.id is not None and candidate.id is not None
            _whole(election, votes)
            existing = await results.get(ch.tx, election.id)
            if round_no > len(existing.rounds) + 1:
                raise UserError(f"Enter round {len(existing.rounds) + 1} before round {round_no}.")
            winners: Winners | None = None
            if election.voting_system is not VotingSystem.STV and any(r.elected for r in existing.rounds):
                if _declaration(election, existing) and declared is None:
                    raise UserError("The winners were declared meanwhile; run the command again to choose.")
                if declared == KEEP_DECLARED and _declaration(election, existing):
                    winners = Winners.DECLARED
                else:  # marks that only restated the count, or a declaration the moderator dropped
                    await results.clear_elected(ch.tx, election.id)
                    winners = Winners.COMPUTED
            previous = await results.set_votes(ch.tx, election.id, round_no, candidate.id, votes)
            ch.entity = f"{election.slug}/{candidate.name}"
            ch.before = None if previous is None else {"round": round_no, "votes": _num(previous)}
            ch.after = {"round": round_no, "votes": _num(votes)}
            if winners is not None:
                ch.after["winners"] = winners.value
            if requested_by:
                ch.after["requested_by"], ch.after["confirmed_by"] = requested_by, actor.name
        return Outcome(
            "results.set", ch.entity, ch.before, ch.after, ch.audit_id, election, {"published": existing.published}
        )

    async def _record_request(
        self, actor: Actor, election: Election, candidate_name: str, round_no: int, votes: float
    ) -> Outcome:
        """Audit a first moderator's edit of published votes, held for a second moderator (nothing changes)."""
        async with self.core.change(actor, "results.set", f"{election.slug}/{candidate_name}") as ch:
            ch.after = {"round": round_no, "votes": _num(votes), "awaiting_second_moderator": True}
        extra = {"published": True, "awaiting": True}
        return Outcome("results.set", ch.entity, None, ch.after, ch.audit_id, election, extra)

    async def incomplete(self, actor: Actor, election_slug: str | None) -> list[str]:
        """What looks unfinished in an election's result before it goes public (moderators only)."""
        await self.core.require(actor, "results.preview", election_slug or "")
        election = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
        return await self._incomplete(actor.guild_id, election.slug)

    async def _incomplete(self, guild_id: int, slug: str) -> list[str]:
        snap = await load_snapshot(self.core.db, guild_id)
        data = snap.by_slug[slug]
        e = data.election
        summary = summarise_result(data.result, e.seats, electorate=e.electorate, system=e.voting_system)
        on_ballot = [
            c.name
            for c in data.candidates
            if expected_on_ballot(
                c.status, None if data.required is None else data.counts.get(c.name, 0) >= data.required
            )
        ]
        return incomplete_parts(summary, on_ballot, e.electorate)

    async def preview(
        self, actor: Actor, election_slug: str | None, mode: ResultsMode | str = ResultsMode.SUMMARY
    ) -> ResultsView:
        """What members will see once the results are published, published or not (moderators only).

        Built by the members' own view builder, told to show unpublished figures, over the guild's
        data as it is (nothing is changed), so the preview cannot differ from the real thing.
        """
        await self.core.require(actor, "results.preview", election_slug or "")
        election = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
        snap = await load_snapshot(self.core.db, actor.guild_id)
        data = snap.by_slug[election.slug]
        if data.result.empty:
            raise UserError(f"No votes are entered for `{election.slug}` yet: use `/admin results set` first.")
        return ViewBuilder(snap, self.core.clock.now(), show_unpublished=True).results(election.slug, mode)

    async def publish(
        self, actor: Actor, election_slug: str | None, *, announce: bool = False, confirmed: bool = False
    ) -> Outcome | PublishPending | NeedsConfirmation:
        """Publish an election's results. With two-person publish on, the first moderator's call records a
        request and a second, different moderator's call publishes (the figures must not have changed).

        A result that looks incomplete (candidates on the ballot without votes, seats left unfilled
        without a tie, a turnout over 100%) is listed and needs `confirmed` first.
        """
        await self.core.require(actor, "results.publish", election_slug or "")
        assert actor.user_id is not None
        if not confirmed:
            election = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
            current = await results.get(self.core.db.reader, election.id or 0)
            parts = [] if current.empty or current.published else await self._incomplete(actor.guild_id, election.slug)
            if parts:
                listed = "\n".join(f"• {rules.echo(p)}" for p in parts)
                return NeedsConfirmation(
                    f"The results of **{rules.echo(election.name)}** look incomplete:\n{listed}\nPublish them anyway?",
                    "Publish anyway",
                )
        settings = await meta.get_settings(self.core.db.reader, actor.guild_id)
        now = self.core.clock.now()
        request: rules.PublishRequest | None = None
        async with self.core.change(actor, "results.publish", election_slug or "") as ch:
            election = await self.core.election(ch.tx, actor.guild_id, election_slug)
            assert election.id is not None
            ch.entity = election.slug
            result = await results.get(ch.tx, election.id)
            if result.empty:
                raise UserError(f"No votes are entered for `{election.slug}` yet: use `/admin results set` first.")
            if result.published:
                raise UserError(f"The results of `{election.slug}` are already published.")
            fingerprint = rules.result_fingerprint(result)
            pending = await results.get_publish_request(ch.tx, actor.guild_id, election.id)
            try:
                decision = rules.decide_publish(
                    two_person=settings.two_person_publish,
                    actor_id=actor.user_id,
                    pending=pending,
                    fingerprint=fingerprint,
                    now=now,
                )
            except ValidationError as exc:
                raise UserError(exc.message) from None
            if not decision.publish_now:
                request = rules.PublishRequest(
                    election_id=election.id,
                    requested_by=actor.user_id,
                    requested_name=actor.name,
                    requested_at=now,
                    result_fingerprint=fingerprint,
                    announce=announce,
                )
                await results.save_publish_request(ch.tx, actor.guild_id, request)
                ch.before = {"published": False}
                ch.after = {"published": False, "awaiting_second_moderator": True, "fingerprint": fingerprint}

            else:
                await elections.set_result_meta(
                    ch.tx, election.id, published=True, valid=result.valid_ballots, invalid=result.invalid_ballots
                )
                await results.clear_publish_request(ch.tx, election.id)
                ch.before = {"published": False}
                ch.after = {"published": True}
                if decision.confirms is not None:
                    ch.after["requested_by"] = decision.confirms.requested_name
                    ch.after["confirmed_by"] = actor.name
                    announce = announce or decision.confirms.announce
        if request is not None:
            return PublishPending(election, request, ch.audit_id)
        return Outcome(
            "results.publish", election.slug, ch.before, ch.after, ch.audit_id, election, {"announce": announce}
        )

    async def unpublish(
        self, actor: Actor, election_slug: str | None, *, confirmed: bool = False
    ) -> Outcome | NeedsConfirmation:
        """Hide published results from members again (asks for confirmation first)."""
        await self.core.require(actor, "results.unpublish", election_slug or "")
        if not confirmed:
            election = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
            assert election.id is not None
            meta_result = await elections.get_result_meta(self.core.db.reader, election.id)
            if not meta_result.published:
                raise UserError(f"The results of `{election.slug}` are not published.")
            return NeedsConfirmation(
                f"Unpublish the results of **{rules.echo(election.name)}**? Members will no longer see them.",
                "Unpublish",
            )
        requested_by = ""
        settings = await meta.get_settings(self.core.db.reader, actor.guild_id)
        if settings.two_person_publish:
            # Hiding results changes what members see: with the two-person rule, a second moderator confirms.
            target = await self.core.election(self.core.db.reader, actor.guild_id, election_slug)
            gate = await self.pending.second_moderator(actor, "results.unpublish", {"election": target.slug})
            if gate.confirmed is None:
                async with self.core.change(actor, "results.unpublish", target.slug) as ch:
                    ch.before = {"published": True}
                    ch.after = {"published": True, "awaiting_second_moderator": True}
                extra = {"awaiting": True}
                return Outcome("results.unpublish", target.slug, ch.before, ch.after, ch.audit_id, target, extra)
            requested_by = gate.confirmed.requested_name
        async with self.core.change(actor, "results.unpublish", election_slug or "") as ch:
            election = await self.core.election(ch.tx, actor.guild_id, election_slug)
            assert election.id is not None
            ch.entity = election.slug
            current = await elections.get_result_meta(ch.tx, election.id)
            if not current.published:
                raise UserError(f"The results of `{election.slug}` are not published.")
            await elections.set_result_meta(
                ch.tx, election.id, published=False, valid=current.valid_ballots, invalid=current.invalid_ballots
            )
            ch.before, ch.after = {"published": True}, {"published": False}
            if requested_by:
                ch.after.update(requested_by=requested_by, confirmed_by=actor.name)
        return Outcome("results.unpublish", election.slug, ch.before, ch.after, ch.audit_id, election)


def _whole(election: Election, votes: float) -> None:
    """Refuse fractional votes where the count has none (bloc/FPTP)."""
    try:
        check_votes(election.voting_system, votes)
    except ValidationError as exc:
        raise UserError(exc.message) from None


def _declaration(election: Election, result: ElectionResult) -> bool:
    """True when a bloc/FPTP result's elected marks declare something other than the count's top seats."""
    if election.voting_system is VotingSystem.STV or not result.rounds:
        return False
    final = result.rounds[-1]
    return bool(final.elected) and not restates_the_count(final, election.seats)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)
