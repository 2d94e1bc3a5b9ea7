"""View building: the view models of members' read commands, built from a snapshot.

Results are never exposed before they are published: unpublished results are not summarised and
candidate rows carry no votes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from bot.domain.coverage import SlateCoverage, slate_coverage, slate_members
from bot.domain.matching import normalise
from bot.domain.models import (
    Candidate,
    CandidateStatus,
    Nomination,
    Slate,
    Timeline,
    VotingSystem,
)
from bot.domain.phase import MILESTONE_LABELS, Milestone, next_milestone
from bot.domain.progress import nominations_over_time
from bot.domain.standing import (
    NOMINATIONS_OVER,
    ON_BALLOT_STANDINGS,
    candidate_standing,
)
from bot.domain.stv import droop_quota, stage_table
from bot.errors import NotFound
from bot.services.read.names import INDEPENDENT_WORDS, NameResolution, _folded, surname_key
from bot.services.read.snapshot import ElectionData, GuildSnapshot
from bot.services.read.view_models import (
    BodyNominationsView,
    CandidateListView,
    CandidateNominationsView,
    CandidateProfileView,
    CandidateRow,
    ElectionHeader,
    ElectionInfoView,
    ElectionListView,
    ListOrder,
    ProgressView,
    RegionGroup,
    ResultsMode,
    ResultsView,
    SlateCompareView,
    SlateInfoView,
    SlateRef,
    SlateSummary,
)

NO_REGION = "Other"


class ViewBuilder(NameResolution):
    """The members' view models over one snapshot at one instant: pure (no I/O, nothing changed).

    `show_unpublished` builds what members will see once results are published (a moderator's
    preview); members' views never set it. Provenance is the snapshot's: the read model adds how
    fresh source-fed data is.
    """

    def __init__(self, snap: GuildSnapshot, now: datetime, *, show_unpublished: bool = False) -> None:
        self.snap = snap
        self.now = now
        self.show_unpublished = show_unpublished

    # ------------------------------------------------------------------------------------ helpers

    def header(self, data: ElectionData, now: datetime) -> ElectionHeader:
        """The election facts every view shows, at `now`."""
        return election_header(data, now, show_unpublished=self.show_unpublished)

    def row(self, data: ElectionData, candidate: Candidate) -> CandidateRow:
        """A candidate as members may see them (no result before publication)."""
        return candidate_row(data, candidate, self.now, show_unpublished=self.show_unpublished)

    def _regions(self, snap: GuildSnapshot, noms: Iterable[Nomination]) -> tuple[RegionGroup, ...]:
        groups: dict[str, list[Nomination]] = {}
        for n in noms:
            body = snap.body_by_name.get(n.body)
            groups.setdefault((body.region if body else "") or NO_REGION, []).append(n)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0] == NO_REGION, _folded(kv[0])))
        return tuple(
            RegionGroup(region, tuple((n.body, n.date) for n in sorted(items, key=lambda n: _folded(n.body))))
            for region, items in ordered
        )

    def _summary_of_slate(self, data: ElectionData, slate: Slate, coverage: SlateCoverage) -> SlateSummary:
        members = [c for c in data.candidates if c.slate == slate.name]
        rows = tuple(self.row(data, c) for c in sorted(members, key=lambda c: surname_key(c.name)))
        result = None
        summary = data.summary(show_unpublished=self.show_unpublished)
        if summary is not None:
            result = next((t for t in summary.slates if t.slate == slate.name), None)
            rows = tuple(sorted(rows, key=lambda r: (r.result is None, r.result.position if r.result else 0)))
        return SlateSummary(slate, rows, coverage, result)

    def _coverage(self, data: ElectionData, slates: Sequence[Slate]) -> list[SlateCoverage]:
        members = slate_members(data.candidates)
        # Shares are of the reporting eligible bodies, so only their nominations count (default rule: all).
        eligible = {b.name for b in data.eligible}
        nominations = [n for n in data.nominations if n.body in eligible]
        return slate_coverage({s.name: members.get(s.name, []) for s in slates}, nominations, data.reported)

    # --------------------------------------------------------------------------------- use-cases

    def election_list(
        self,
    ) -> ElectionListView:
        """`/election list`: the guild's elections, newest first, with the current one marked."""
        snap = self.snap
        now = self.now
        headers = tuple(self.header(e, now) for e in reversed(snap.elections))
        current = self._current(snap, now).election.slug if snap.elections else None
        return ElectionListView(headers, current, snap.provenance)

    def election_info(self, election: str | None) -> ElectionInfoView:
        """`/election info`."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        standing = [c for c in data.candidates if c.status is not CandidateStatus.WITHDRAWN]
        on_ballot = sum(1 for c in data.candidates if self.row(data, c).status in ON_BALLOT_STANDINGS)
        return ElectionInfoView(
            header=self.header(data, now),
            candidates=len(data.candidates),
            standing=len(standing),
            on_ballot=on_ballot,
            slates=tuple(SlateRef(s.name, s.short, s.colour) for s in data.slates),
            bodies_reported=data.reported,
            electorate=data.election.electorate,
            provenance=snap.provenance,
        )

    def candidate_profile(self, name: str, election: str | None) -> CandidateProfileView:
        """`/candidate`."""
        snap = self.snap
        now = self.now
        data, candidate = self._candidate(snap, election, name, now)
        return CandidateProfileView(
            header=self.header(data, now),
            row=self.row(data, candidate),
            bio=candidate.bio,
            photo_url=candidate.photo_url,
            links=tuple(candidate.links.items()),
            regions=self._regions(snap, data.by_candidate.get(candidate.name, [])),
            provenance=snap.provenance,
        )

    def candidate_list(
        self, election: str | None, slate: str | None = None, status: str | None = None
    ) -> CandidateListView:
        """`/candidates`: by surname before results are published, by result after."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        candidates = list(data.candidates)
        filters: list[str] = []
        if slate and slate.strip():
            if normalise(slate) in INDEPENDENT_WORDS and data.slate_for_label(slate) is None:
                candidates = [c for c in candidates if not c.slate]
                filters.append("independents")
            else:
                chosen = self._slate(data, slate)
                candidates = [c for c in candidates if c.slate == chosen.name]
                filters.append(f"slate {chosen.name}")
        rows = [self.row(data, c) for c in candidates]
        if status and status.strip():
            wanted = self._status(status)
            rows = [r for r in rows if r.status == wanted]
            filters.append(wanted)
        summary = data.summary(show_unpublished=self.show_unpublished)
        if summary is not None:
            order = ListOrder.RESULT
            rows.sort(key=lambda r: (r.result is None, r.result.position if r.result else 0, surname_key(r.name)))
        else:
            order = ListOrder.SURNAME
            rows.sort(key=lambda r: surname_key(r.name))
        prov = snap.provenance
        return CandidateListView(self.header(data, now), tuple(rows), order, tuple(filters), len(data.candidates), prov)

    def slate_info(self, name: str, election: str | None) -> SlateInfoView:
        """`/slate info`."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        slate = self._slate(data, name)
        coverage = self._coverage(data, [slate])[0]
        prov = snap.provenance
        return SlateInfoView(self.header(data, now), self._summary_of_slate(data, slate, coverage), prov)

    def slate_compare(self, names: Sequence[str], election: str | None) -> SlateCompareView:
        """`/slate compare`: two or three slates side by side."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        chosen: list[Slate] = []
        for name in names:
            slate = self._slate(data, name)
            if slate not in chosen:
                chosen.append(slate)
        if len(chosen) < 2:
            raise NotFound("Pick two different slates to compare.")
        coverages = self._coverage(data, chosen)
        summaries = tuple(self._summary_of_slate(data, s, cov) for s, cov in zip(chosen, coverages, strict=True))
        summary = data.summary(show_unpublished=self.show_unpublished)
        return SlateCompareView(
            self.header(data, now),
            summaries,
            data.reported,
            summary.total_votes if summary else None,
            snap.provenance,
        )

    def nominations_progress(self, election: str | None) -> ProgressView:
        """`/nominations progress`: every standing candidate, most nominated first."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        rows = [self.row(data, c) for c in data.candidates if c.status is not CandidateStatus.WITHDRAWN]
        rows.sort(key=lambda r: (-r.nominations, surname_key(r.name)))
        close = data.election.timeline.nominations_close
        days_left = (close - now) // timedelta(days=1) if close and close > now else None
        prov = snap.provenance
        dates = {r.name: _first_dates(data.by_candidate.get(r.name, [])) for r in rows}
        over_time = nominations_over_time(dates)
        return ProgressView(self.header(data, now), tuple(rows), data.reported, days_left, prov, over_time)

    def body_nominations(self, name: str, election: str | None) -> BodyNominationsView:
        """`/nominations branch`: whom a body nominated, when, and its next meeting."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        body = self._body(snap, name)
        nominated = []
        for n in sorted(data.by_body.get(body.name, []), key=lambda n: surname_key(n.candidate)):
            candidate = data.candidate_by_name.get(n.candidate)
            if candidate is not None:
                nominated.append((self.row(data, candidate), n.date))
        meeting = body.meeting if body.meeting and body.meeting > now else None
        prov = snap.provenance
        return BodyNominationsView(self.header(data, now), body, tuple(nominated), meeting, prov)

    def candidate_nominations(self, name: str, election: str | None) -> CandidateNominationsView:
        """`/nominations for`: the bodies that nominated a candidate, by region."""
        snap = self.snap
        now = self.now
        data, candidate = self._candidate(snap, election, name, now)
        return CandidateNominationsView(
            self.header(data, now),
            self.row(data, candidate),
            self._regions(snap, data.by_candidate.get(candidate.name, [])),
            snap.provenance,
        )

    def results(self, election: str | None, mode: ResultsMode | str = ResultsMode.SUMMARY) -> ResultsView:
        """`/results`: summary, rounds or slates; nothing but a notice while unpublished."""
        snap = self.snap
        now = self.now
        data = self.resolve_election(snap, election, now)
        mode = ResultsMode(mode)
        summary = data.summary(show_unpublished=self.show_unpublished)
        slates = {s.name: SlateRef(s.name, s.short, s.colour) for s in data.slates}
        header = self.header(data, now)
        if summary is None:
            return ResultsView(header, mode, None, slates=slates, provenance=snap.provenance)
        stages: tuple = ()
        quota = None
        if mode is ResultsMode.ROUNDS:
            rounds = [r for r in data.result.rounds if r.votes]
            stages = tuple(stage_table(rounds, data.result.valid_ballots))
            if data.election.voting_system is VotingSystem.STV and rounds:
                base = data.result.valid_ballots
                if base is None:
                    base = int(sum(rounds[0].votes.values()))
                quota = droop_quota(base, data.election.seats)
        prov = snap.provenance
        return ResultsView(header, mode, summary, stages, quota, data.election.electorate, slates, prov)


def election_header(data: ElectionData, now: datetime, *, show_unpublished: bool = False) -> ElectionHeader:
    """The election facts every view shows, at `now`."""
    e = data.election
    milestones = tuple(
        Milestone(MILESTONE_LABELS[name], at)
        for name in Timeline.FIELDS
        if (at := getattr(e.timeline, name)) is not None
    )
    return ElectionHeader(
        slug=e.slug,
        name=e.name,
        committee=e.committee,
        seats=e.seats,
        system=e.voting_system,
        phase=data.phase(now, show_unpublished=show_unpublished),
        threshold=e.threshold,
        required=data.required,
        eligible_bodies=len(data.eligible),
        body_kind=data.body_kind,
        eligible_rule=e.eligible.describe() if e.eligible is not None else "",
        milestones=milestones,
        next_milestone=next_milestone(e.timeline, now),
        nominations_close=e.timeline.nominations_close,
        results_published=data.published or show_unpublished,
        now=now,
    )


def candidate_row(
    data: ElectionData, candidate: Candidate, now: datetime, *, show_unpublished: bool = False
) -> CandidateRow:
    """A candidate as members may see them (no result before publication)."""
    count = data.counts.get(candidate.name, 0)
    summary = data.summary(show_unpublished=show_unpublished)
    ranked = summary.candidate(candidate.name) if summary else None
    qualified = None if data.required is None else count >= data.required
    phase = data.phase(now, show_unpublished=show_unpublished)
    text = candidate_standing(
        candidate.status, phase=phase, qualified=qualified, ranked=ranked, result_shown=summary is not None
    )
    closed = phase in NOMINATIONS_OVER
    return CandidateRow(candidate.name, data.slate_ref(candidate.slate), text, count, qualified, ranked, closed)


def _first_dates(nominations: Iterable[Nomination]) -> list[date | None]:
    """Each nominating body once (as the counts do), on its earliest recorded date."""
    first: dict[str, date | None] = {}
    for n in nominations:
        known = first.get(n.body)
        if n.body not in first or (n.date is not None and (known is None or n.date < known)):
            first[n.body] = n.date
    return list(first.values())
