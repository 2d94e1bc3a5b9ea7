"""Moderator use-cases for elections, slates, candidates, branches and nominations.

Every method checks the actor is a moderator, validates its input, and makes its change through
`AdminCore.change` (one transaction, one audit row, one data-version bump). Options left out (None)
leave a field as it is; typing `clear` empties an optional field.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain import admin_rules as rules
from bot.domain import validation as v
from bot.domain.access import Actor
from bot.domain.eligibility import edit_rule
from bot.domain.matching import same_name
from bot.domain.models import Body, Candidate, CandidateStatus, Election, Slate, Timeline, VotingSystem
from bot.errors import UserError
from bot.services.admin.core import AdminCore, NeedsConfirmation, Outcome, checked
from bot.store import bodies, candidates, elections, meta, nominations, results


class AdminElections:
    """Create and edit the election data members see."""

    def __init__(self, core: AdminCore) -> None:
        self.core = core

    async def zone(self, guild_id: int) -> str:
        """The guild's IANA time zone (the bot's default when unset)."""
        settings = await meta.get_settings(self.core.db.reader, guild_id)
        return settings.timezone or self.core.default_zone

    # ---------------------------------------------------------------------------------- elections

    async def create_election(
        self,
        actor: Actor,
        *,
        slug: str,
        name: str,
        seats: int,
        voting_system: str = VotingSystem.BLOC.value,
        committee: str = "",
        threshold: str | None = None,
        electorate: int | None = None,
    ) -> Outcome:
        """Create an election; its slug must be new in this guild."""
        await self.core.require(actor, "election.create", slug)
        election = Election(
            guild_id=actor.guild_id,
            slug=checked(v.validate_slug, slug, "slug"),
            name=checked(v.validate_name, name, "name"),
            seats=_seats(seats),
            voting_system=_system(voting_system),
            committee=checked(v.validate_name, committee, "committee") if committee else "",
            threshold=checked(v.parse_threshold, threshold, "threshold") if threshold else None,
            electorate=_electorate(electorate),
        )
        async with self.core.change(actor, "election.create", election.slug) as ch:
            if await elections.get_by_slug(ch.tx, actor.guild_id, election.slug) is not None:
                raise UserError(f"An election `{election.slug}` already exists: pick another slug or edit that one.")
            election.id = await elections.upsert(ch.tx, election)
            ch.after = rules.snapshot(election)
        return Outcome("election.create", election.slug, None, ch.after, ch.audit_id, election)

    async def edit_election(
        self,
        actor: Actor,
        slug: str,
        *,
        name: str | None = None,
        seats: int | None = None,
        voting_system: str | None = None,
        committee: str | None = None,
        threshold: str | None = None,
        electorate: int | None = None,
        eligible_kinds: str | None = None,
        eligible_regions: str | None = None,
        eligible_bodies: str | None = None,
    ) -> Outcome:
        """Change an election's details (not its timeline: see `set_timeline`).

        `eligible_*` (comma-separated, or a clear word) set which bodies count for "reported" and a
        percentage threshold; see `bot.domain.eligibility`.
        """
        await self.core.require(actor, "election.edit", slug)
        async with self.core.change(actor, "election.edit", slug) as ch:
            current = await self.core.election(ch.tx, actor.guild_id, slug)
            ch.entity = current.slug
            updated = replace(current)
            if name is not None:
                updated.name = checked(v.validate_name, name, "name")
            if seats is not None:
                updated.seats = _seats(seats)
            if voting_system is not None:
                updated.voting_system = _system(voting_system)
            if committee is not None:
                updated.committee = (
                    "" if rules.is_clear(committee) else checked(v.validate_name, committee, "committee")
                )
            if threshold is not None:
                updated.threshold = (
                    None if rules.is_clear(threshold) else checked(v.parse_threshold, threshold, "threshold")
                )
            if electorate is not None:
                updated.electorate = None if electorate == 0 else _electorate(electorate)
            if (eligible_kinds, eligible_regions, eligible_bodies) != (None, None, None):
                known = await bodies.list_for_guild(ch.tx, actor.guild_id)
                try:
                    updated.eligible = edit_rule(
                        current.eligible,
                        kinds=eligible_kinds,
                        regions=eligible_regions,
                        bodies=eligible_bodies,
                        guild_bodies={b.name: (b.kind, b.region) for b in known},
                        is_clear=rules.is_clear,
                    )
                except v.ValidationError as exc:
                    raise UserError(rules.echo(exc.message, 300)) from None
            ch.before, ch.after = rules.snapshot(current), rules.snapshot(updated)
            for snap, e in ((ch.before, current), (ch.after, updated)):  # the rule in words, not its fields
                snap["eligible"] = e.eligible.describe() if e.eligible else "the kinds that nominate (default)"
            await elections.upsert(ch.tx, updated)
        return Outcome("election.edit", updated.slug, ch.before, ch.after, ch.audit_id, updated)

    async def set_timeline(self, actor: Actor, slug: str, **typed: str | None) -> Outcome:
        """Set any of the timeline's instants, typed in the guild's zone (or ISO 8601 with an offset).

        Keyword names are `Timeline.FIELDS` (`nominations_open` … `results`); `clear` unsets one.
        """
        await self.core.require(actor, "election.timeline", slug)
        unknown = set(typed) - set(Timeline.FIELDS)
        if unknown:
            raise ValueError(f"unknown timeline fields {sorted(unknown)}")
        given = {k: v for k, v in typed.items() if v is not None}
        if not given:
            raise UserError("Give at least one of the timeline options (e.g. `nominations_open: 2026-12-01 18:00`).")
        zone = await self.zone(actor.guild_id)
        now = self.core.clock.now()
        parsed = {
            k: None if rules.is_clear(text) else checked(rules.parse_when, text, zone, now, _TIME_OPTION.get(k, k))
            for k, text in given.items()
        }
        async with self.core.change(actor, "election.timeline", slug) as ch:
            current = await self.core.election(ch.tx, actor.guild_id, slug)
            ch.entity = current.slug
            updated = replace(current, timeline=replace(current.timeline, **parsed))
            checked(rules.check_timeline, updated.timeline, zone)
            ch.before, ch.after = rules.snapshot(current.timeline), rules.snapshot(updated.timeline)
            await elections.upsert(ch.tx, updated)
        return Outcome("election.timeline", updated.slug, ch.before, ch.after, ch.audit_id, updated, {"zone": zone})

    async def delete_election(self, actor: Actor, slug: str, *, confirmed: bool = False) -> Outcome | NeedsConfirmation:
        """Delete an election and everything in it (asks for confirmation first)."""
        await self.core.require(actor, "election.delete", slug)
        if not confirmed:
            election = await self.core.election(self.core.db.reader, actor.guild_id, slug)
            assert election.id is not None
            count = len(await candidates.list_for_election(self.core.db.reader, election.id))
            return NeedsConfirmation(
                f"Delete the election **{rules.echo(election.name)}** (`{election.slug}`) with its "
                f"{count} candidate(s), slates, nominations and results? This can't be undone.",
                "Delete election",
            )
        async with self.core.change(actor, "election.delete", slug) as ch:
            election = await self.core.election(ch.tx, actor.guild_id, slug)
            assert election.id is not None
            ch.entity = election.slug
            ch.before = rules.snapshot(election)
            ch.before["candidates"] = [c.name for c in await candidates.list_for_election(ch.tx, election.id)]
            await elections.delete(ch.tx, election.id)
        return Outcome("election.delete", election.slug, ch.before, None, ch.audit_id, election)

    # ------------------------------------------------------------------------------------- slates

    async def add_slate(
        self,
        actor: Actor,
        election_slug: str | None,
        *,
        name: str,
        short: str = "",
        colour: str | None = None,
        url: str | None = None,
        description: str = "",
        backers: str = "",
    ) -> Outcome:
        """Add a slate to an election."""
        await self.core.require(actor, "slate.add", name)
        slate = Slate(
            name=checked(v.validate_name, name, "name"),
            short=checked(v.validate_name, short, "short") if short else "",
            colour=checked(v.validate_colour, colour, "colour") if colour else None,
            url=checked(v.validate_url, url, "url") if url else None,
            description=checked(v.validate_statement, description, "description"),
            backers=_backers(backers),
        )
        async with self.core.change(actor, "slate.add", slate.name) as ch:
            election = await self.core.election(ch.tx, actor.guild_id, election_slug)
            assert election.id is not None
            existing = await elections.list_slates(ch.tx, election.id)
            _unique(slate.name, [s.name for s in existing], "slate", election.slug)
            slate.id = await elections.upsert_slate(ch.tx, election.id, slate)
            ch.entity = f"{election.slug}/{slate.name}"
            ch.after = rules.snapshot(slate)
        return Outcome("slate.add", ch.entity, None, ch.after, ch.audit_id, election)

    async def edit_slate(
        self,
        actor: Actor,
        slate_name: str,
        election_slug: str | None = None,
        *,
        name: str | None = None,
        short: str | None = None,
        colour: str | None = None,
        url: str | None = None,
        description: str | None = None,
        backers: str | None = None,
    ) -> Outcome:
        """Change a slate's details, including its name."""
        await self.core.require(actor, "slate.edit", slate_name)
        async with self.core.change(actor, "slate.edit", slate_name) as ch:
            election, current = await self.core.slate(ch.tx, actor.guild_id, slate_name, election_slug)
            assert election.id is not None and current.id is not None
            updated = replace(current, backers=list(current.backers))
            if name is not None:
                updated.name = checked(v.validate_name, name, "name")
            if short is not None:
                updated.short = "" if rules.is_clear(short) else checked(v.validate_name, short, "short")
            if colour is not None:
                updated.colour = None if rules.is_clear(colour) else checked(v.validate_colour, colour, "colour")
            if url is not None:
                updated.url = None if rules.is_clear(url) else checked(v.validate_url, url, "url")
            if description is not None:
                updated.description = (
                    "" if rules.is_clear(description) else checked(v.validate_statement, description, "description")
                )
            if backers is not None:
                updated.backers = [] if rules.is_clear(backers) else _backers(backers)
            if updated.name != current.name:
                others = await elections.list_slates(ch.tx, election.id)
                _unique(updated.name, [s.name for s in others if s.id != current.id], "slate", election.slug)
                await elections.rename_slate(ch.tx, current.id, updated.name)
            await elections.upsert_slate(ch.tx, election.id, updated)
            ch.entity = f"{election.slug}/{updated.name}"
            ch.before, ch.after = rules.snapshot(current), rules.snapshot(updated)
        return Outcome("slate.edit", ch.entity, ch.before, ch.after, ch.audit_id, election)

    async def remove_slate(self, actor: Actor, slate_name: str, election_slug: str | None = None) -> Outcome:
        """Remove a slate; its candidates stay, as independents."""
        await self.core.require(actor, "slate.remove", slate_name)
        async with self.core.change(actor, "slate.remove", slate_name) as ch:
            election, current = await self.core.slate(ch.tx, actor.guild_id, slate_name, election_slug)
            assert election.id is not None and current.id is not None
            listed = await candidates.list_for_election(ch.tx, election.id)
            members = [c.name for c in listed if c.slate == current.name]
            ch.entity = f"{election.slug}/{current.name}"
            ch.before = rules.snapshot(current) | {"candidates": members}
            await elections.delete_slate(ch.tx, current.id)
        return Outcome("slate.remove", ch.entity, ch.before, None, ch.audit_id, election, {"members": members})

    # --------------------------------------------------------------------------------- candidates

    async def add_candidate(
        self,
        actor: Actor,
        election_slug: str | None,
        *,
        name: str,
        slate: str | None = None,
        bio: str = "",
        photo_url: str | None = None,
    ) -> Outcome:
        """Add a candidate to an election (optionally on a slate)."""
        await self.core.require(actor, "candidate.add", name)
        candidate = Candidate(
            name=checked(v.validate_name, name, "name"),
            bio=checked(v.validate_statement, bio, "bio"),
            photo_url=checked(v.validate_url, photo_url, "photo_url") if photo_url else None,
        )
        async with self.core.change(actor, "candidate.add", candidate.name) as ch:
            election = await self.core.election(ch.tx, actor.guild_id, election_slug)
            assert election.id is not None
            if slate:
                _, found = await self.core.slate(ch.tx, actor.guild_id, slate, election.slug)
                candidate.slate = found.name
            existing = await candidates.list_for_election(ch.tx, election.id)
            _unique(candidate.name, [c.name for c in existing], "candidate", election.slug)
            candidate.id = await candidates.upsert(ch.tx, election.id, candidate)
            ch.entity = f"{election.slug}/{candidate.name}"
            ch.after = rules.snapshot(candidate)
        return Outcome("candidate.add", ch.entity, None, ch.after, ch.audit_id, election)

    async def get_candidate(
        self, actor: Actor, name: str, election_slug: str | None = None
    ) -> tuple[Election, Candidate]:
        """Read a candidate (moderators only), e.g. to prefill the statement editor."""
        await self.core.require(actor, "candidate.edit", name)
        return await self.core.candidate(self.core.db.reader, actor.guild_id, name, election_slug)

    async def edit_candidate(
        self,
        actor: Actor,
        candidate_name: str,
        election_slug: str | None = None,
        *,
        name: str | None = None,
        slate: str | None = None,
        bio: str | None = None,
        photo_url: str | None = None,
        links: str | None = None,
    ) -> Outcome:
        """Change a candidate's name, slate (`clear`: independent), statement, photo or links."""
        await self.core.require(actor, "candidate.edit", candidate_name)
        async with self.core.change(actor, "candidate.edit", candidate_name) as ch:
            election, current = await self.core.candidate(ch.tx, actor.guild_id, candidate_name, election_slug)
            assert election.id is not None and current.id is not None
            updated = replace(current, links=dict(current.links))
            if name is not None:
                updated.name = checked(v.validate_name, name, "name")
            if slate is not None:
                if rules.is_clear(slate):
                    updated.slate = None
                else:
                    _, found = await self.core.slate(ch.tx, actor.guild_id, slate, election.slug)
                    updated.slate = found.name
            if bio is not None:
                updated.bio = checked(v.validate_statement, bio, "statement")
            if photo_url is not None:
                updated.photo_url = (
                    None if rules.is_clear(photo_url) else checked(v.validate_url, photo_url, "photo_url")
                )
            if links is not None:
                updated.links = checked(rules.parse_links, links, "links")
            if updated.name != current.name:
                others = await candidates.list_for_election(ch.tx, election.id)
                _unique(updated.name, [c.name for c in others if c.id != current.id], "candidate", election.slug)
                await candidates.rename(ch.tx, current.id, updated.name)
            await candidates.upsert(ch.tx, election.id, updated)
            ch.entity = f"{election.slug}/{updated.name}"
            ch.before, ch.after = rules.snapshot(current), rules.snapshot(updated)
        return Outcome("candidate.edit", ch.entity, ch.before, ch.after, ch.audit_id, election)

    async def set_status(
        self, actor: Actor, candidate_name: str, status: str, election_slug: str | None = None
    ) -> Outcome:
        """Set a candidate's standing (seeking nominations, on ballot, withdrawn, elected, not elected)."""
        await self.core.require(actor, "candidate.status", candidate_name)
        try:
            new_status = CandidateStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in CandidateStatus)
            raise UserError(f"`status` must be one of: {choices}.") from None
        async with self.core.change(actor, "candidate.status", candidate_name) as ch:
            election, current = await self.core.candidate(ch.tx, actor.guild_id, candidate_name, election_slug)
            assert election.id is not None
            updated = replace(current, status=new_status)
            await candidates.upsert(ch.tx, election.id, updated)
            ch.entity = f"{election.slug}/{current.name}"
            ch.before, ch.after = {"status": current.status.value}, {"status": new_status.value}
        return Outcome("candidate.status", ch.entity, ch.before, ch.after, ch.audit_id, election)

    async def remove_candidate(
        self, actor: Actor, candidate_name: str, election_slug: str | None = None, *, confirmed: bool = False
    ) -> Outcome | NeedsConfirmation:
        """Remove a candidate; when they have nominations or votes, ask for confirmation first."""
        await self.core.require(actor, "candidate.remove", candidate_name)
        if not confirmed:
            election, current = await self.core.candidate(
                self.core.db.reader, actor.guild_id, candidate_name, election_slug
            )
            noms, votes = await self._attached(self.core.db.reader, election, current)
            if noms or votes:
                return NeedsConfirmation(
                    f"Remove **{rules.echo(current.name)}** from `{election.slug}`? Their {noms} nomination(s)"
                    f"{' and entered votes' if votes else ''} will be deleted too. This can't be undone.",
                    "Remove candidate",
                )
        async with self.core.change(actor, "candidate.remove", candidate_name) as ch:
            election, current = await self.core.candidate(ch.tx, actor.guild_id, candidate_name, election_slug)
            assert current.id is not None
            noms, votes = await self._attached(ch.tx, election, current)
            ch.entity = f"{election.slug}/{current.name}"
            ch.before = rules.snapshot(current) | {"nominations": noms, "has_votes": votes}
            await candidates.delete(ch.tx, current.id)
        return Outcome("candidate.remove", ch.entity, ch.before, None, ch.audit_id, election)

    @staticmethod
    async def _attached(conn, election: Election, candidate: Candidate) -> tuple[int, bool]:
        assert election.id is not None
        noms = sum(1 for n in await nominations.list_for_election(conn, election.id) if n.candidate == candidate.name)
        result = await results.get(conn, election.id)
        votes = any(candidate.name in r.votes for r in result.rounds)
        return noms, votes

    # ----------------------------------------------------------------------------------- branches

    async def add_branch(
        self,
        actor: Actor,
        *,
        name: str,
        kind: str = "branch",
        region: str = "",
        members: int | None = None,
        meeting: str | None = None,
    ) -> Outcome:
        """Add a nominating body (branch) to the guild, with its next nomination meeting."""
        await self.core.require(actor, "branch.add", name)
        zone = await self.zone(actor.guild_id)
        body = Body(
            name=checked(v.validate_name, name, "name"),
            kind=checked(v.validate_name, kind, "kind") if kind else "branch",
            region=checked(v.validate_name, region, "region") if region else "",
            members=_members(members),
            meeting=checked(rules.parse_when, meeting, zone, self.core.clock.now(), "meeting") if meeting else None,
        )
        async with self.core.change(actor, "branch.add", body.name) as ch:
            existing = await bodies.list_for_guild(ch.tx, actor.guild_id)
            _unique(body.name, [b.name for b in existing], "branch")
            body.id = await bodies.upsert(ch.tx, actor.guild_id, body)
            ch.after = rules.snapshot(body)
        return Outcome("branch.add", body.name, None, ch.after, ch.audit_id, extra={"body": body})

    async def edit_branch(
        self,
        actor: Actor,
        branch: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        region: str | None = None,
        members: int | None = None,
        meeting: str | None = None,
    ) -> Outcome:
        """Change a branch's details or meeting time (`clear` unsets the meeting)."""
        await self.core.require(actor, "branch.edit", branch)
        zone = await self.zone(actor.guild_id)
        async with self.core.change(actor, "branch.edit", branch) as ch:
            current = await self.core.body(ch.tx, actor.guild_id, branch)
            assert current.id is not None
            updated = replace(current)
            if name is not None:
                updated.name = checked(v.validate_name, name, "name")
            if kind is not None:
                updated.kind = checked(v.validate_name, kind, "kind")
            if region is not None:
                updated.region = "" if rules.is_clear(region) else checked(v.validate_name, region, "region")
            if members is not None:
                updated.members = None if members == 0 else _members(members)
            if meeting is not None:
                updated.meeting = (
                    None
                    if rules.is_clear(meeting)
                    else checked(rules.parse_when, meeting, zone, self.core.clock.now(), "meeting")
                )
            if updated.name != current.name:
                others = await bodies.list_for_guild(ch.tx, actor.guild_id)
                _unique(updated.name, [b.name for b in others if b.id != current.id], "branch")
                await bodies.rename(ch.tx, current.id, updated.name)
            await bodies.upsert(ch.tx, actor.guild_id, updated)
            ch.entity = updated.name
            ch.before, ch.after = rules.snapshot(current), rules.snapshot(updated)
        return Outcome("branch.edit", updated.name, ch.before, ch.after, ch.audit_id, extra={"body": updated})

    async def remove_branch(self, actor: Actor, branch: str, *, confirmed: bool = False) -> Outcome | NeedsConfirmation:
        """Remove a branch; when it has nominations, ask for confirmation first."""
        await self.core.require(actor, "branch.remove", branch)
        if not confirmed:
            current = await self.core.body(self.core.db.reader, actor.guild_id, branch)
            count = await self._branch_nominations(self.core.db.reader, actor.guild_id, current)
            if count:
                return NeedsConfirmation(
                    f"Remove the branch **{rules.echo(current.name)}** and its {count} nomination(s)? "
                    "This can't be undone.",
                    "Remove branch",
                )
        async with self.core.change(actor, "branch.remove", branch) as ch:
            current = await self.core.body(ch.tx, actor.guild_id, branch)
            assert current.id is not None
            ch.entity = current.name
            count = await self._branch_nominations(ch.tx, actor.guild_id, current)
            ch.before = rules.snapshot(current) | {"nominations": count}
            await bodies.delete(ch.tx, current.id)
        return Outcome("branch.remove", current.name, ch.before, None, ch.audit_id)

    @staticmethod
    async def _branch_nominations(conn, guild_id: int, body: Body) -> int:
        total = 0
        for election in await elections.list_for_guild(conn, guild_id):
            assert election.id is not None
            total += sum(1 for n in await nominations.list_for_election(conn, election.id) if n.body == body.name)
        return total

    # -------------------------------------------------------------------------------- nominations

    async def add_nomination(
        self,
        actor: Actor,
        branch: str,
        candidate_name: str,
        election_slug: str | None = None,
        on: str | None = None,
        *,
        confirmed: bool = False,
    ) -> Outcome | NeedsConfirmation:
        """Record that a branch nominated a candidate. More than `seats` nominations from one branch, or a
        date outside the nomination window, needs the moderator's confirmation."""
        await self.core.require(actor, "nomination.add", f"{branch} → {candidate_name}")
        typed_on = checked(rules.parse_date, on, "date") if on else None
        try:
            return await self._add_nomination(actor, branch, candidate_name, election_slug, typed_on, confirmed)
        except _Unconfirmed as pending:
            return pending.confirmation

    async def _add_nomination(
        self,
        actor: Actor,
        branch: str,
        candidate_name: str,
        election_slug: str | None,
        typed_on: date | None,
        confirmed: bool,
    ) -> Outcome:
        async with self.core.change(actor, "nomination.add", branch) as ch:
            body = await self.core.body(ch.tx, actor.guild_id, branch)
            election, candidate = await self.core.candidate(ch.tx, actor.guild_id, candidate_name, election_slug)
            assert election.id is not None and body.id is not None and candidate.id is not None
            existing = [n for n in await nominations.list_for_election(ch.tx, election.id) if n.body == body.name]
            previous = next((n for n in existing if n.candidate == candidate.name), None)
            nominated_on = typed_on or self.core.clock.now().date()
            warnings = rules.nomination_warnings(
                election, already_nominated=len(existing), on=nominated_on, already_this_pair=previous is not None
            )
            if previous is not None:
                again = rules.nomination_again(previous.date, typed_on)
                if again is None:
                    when = f"on {previous.date.isoformat()}" if previous.date else "with no date"
                    hint = "" if typed_on else " To change its date, add it again with the `date` option."
                    raise UserError(
                        f"{rules.echo(body.name)} already nominated {rules.echo(candidate.name)} ({when}); "
                        f"nothing was changed.{hint}"
                    )
                warnings.insert(0, again)
            if warnings and not confirmed:
                raise _Unconfirmed(
                    NeedsConfirmation(
                        f"Check before adding {rules.echo(body.name)} → {rules.echo(candidate.name)}: "
                        + "; ".join(warnings)
                        + (". Change it?" if previous is not None else ". Add it anyway?"),
                        "Change date" if previous is not None else "Add anyway",
                    )
                )
            await nominations.add(ch.tx, election.id, body.id, candidate.id, nominated_on)
            ch.entity = f"{election.slug}/{body.name} → {candidate.name}"
            ch.before = None if previous is None else _nomination(previous)
            ch.after = {"branch": body.name, "candidate": candidate.name, "date": nominated_on.isoformat()}
            if warnings:
                ch.after["confirmed_despite"] = warnings
        return Outcome("nomination.add", ch.entity, ch.before, ch.after, ch.audit_id, election)

    async def remove_nomination(
        self, actor: Actor, branch: str, candidate_name: str, election_slug: str | None = None
    ) -> Outcome:
        """Delete one nomination."""
        await self.core.require(actor, "nomination.remove", f"{branch} → {candidate_name}")
        async with self.core.change(actor, "nomination.remove", branch) as ch:
            body = await self.core.body(ch.tx, actor.guild_id, branch)
            election, candidate = await self.core.candidate(ch.tx, actor.guild_id, candidate_name, election_slug)
            assert election.id is not None and body.id is not None and candidate.id is not None
            previous = next(
                (
                    n
                    for n in await nominations.list_for_election(ch.tx, election.id)
                    if n.body == body.name and n.candidate == candidate.name
                ),
                None,
            )
            if previous is None:
                raise UserError(f"{rules.echo(body.name)} has not nominated {rules.echo(candidate.name)}.")
            await nominations.remove(ch.tx, election.id, body.id, candidate.id)
            ch.entity = f"{election.slug}/{body.name} → {candidate.name}"
            ch.before = _nomination(previous)
        return Outcome("nomination.remove", ch.entity, ch.before, None, ch.audit_id, election)


#: Timeline fields under the names the command options use.
_TIME_OPTION = {"results": "results_due"}


class _Unconfirmed(UserError):
    """Raised inside a change to roll it back when confirmation is needed (caught by the caller)."""

    def __init__(self, confirmation: NeedsConfirmation) -> None:
        super().__init__(confirmation.question)
        self.confirmation = confirmation


def _unique(name: str, others: list[str], what: str, election_slug: str | None = None) -> None:
    """Refuse a name that reads the same as another of its kind (the one rule: `same_name`), quoting it."""
    clash = same_name(name, others)
    if clash is not None:
        where = f"{election_slug} already has" if election_slug else "There is already"
        raise UserError(
            f"{where} a {what} called “{rules.echo(clash)}”, and “{rules.echo(name)}” reads the same "
            f"({v.SAME_NAME_RULE}). Use the existing {what}, or a name that differs by a letter."
        )


def _nomination(n) -> dict[str, str | None]:
    return {"branch": n.body, "candidate": n.candidate, "date": n.date.isoformat() if n.date else None}


def _seats(value: int) -> int:
    if not 1 <= value <= 100:
        raise UserError("`seats` must be between 1 and 100.")
    return value


def _electorate(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise UserError("`electorate` can't be negative.")
    return value


def _members(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise UserError("`members` can't be negative.")
    return value


def _system(value: str) -> VotingSystem:
    try:
        return VotingSystem(value.strip().lower())
    except ValueError:
        raise UserError("`voting_system` must be bloc, fptp or stv.") from None


def _backers(text: str) -> list[str]:
    items = [part.strip() for part in (text or "").split(",") if part.strip()]
    if len(items) > 25:
        raise UserError("`backers`: at most 25, separated by commas.")
    return [checked(v.validate_name, item, "backers") for item in items]
