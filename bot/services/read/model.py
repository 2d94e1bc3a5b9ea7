"""The members' read model: one cached snapshot per guild and data version, and the views built on it.

Every read use-case is: the guild's snapshot (`SnapshotCache`, no query while nothing changed),
a pure `ViewBuilder` over it at the clock's instant, then the footer's note on how fresh
source-fed data is (source rows cached per file change, the age worked out at each request).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.cache import Cache
from bot.clock import Clock
from bot.domain.models import Candidate, Timeline
from bot.domain.phase import next_milestone
from bot.domain.sources import Source, freshness
from bot.services.read.names import Completion
from bot.services.read.snapshot import ElectionData, GuildSnapshot, SnapshotCache
from bot.services.read.view_models import (
    BodyNominationsView,
    CandidateListView,
    CandidateNominationsView,
    CandidateProfileView,
    CandidateRow,
    ElectionHeader,
    ElectionInfoView,
    ElectionListView,
    ProgressView,
    ResultsMode,
    ResultsView,
    SlateCompareView,
    SlateInfoView,
)
from bot.services.read.views import ViewBuilder, candidate_row, election_header
from bot.store import sources as sources_repo
from bot.store.database import Database

View = TypeVar("View")


class ReadModel(Completion):
    """Members' read use-cases over a per-guild snapshot cached by data version."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        snapshots: SnapshotCache | None = None,
        sources: Cache[tuple[int, int, str], list[Source]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.snapshots = snapshots if snapshots is not None else SnapshotCache(db)
        #: (guild, file stamp, election slug) → the sources feeding that election
        self.sources: Cache[tuple[int, int, str], list[Source]] = sources if sources is not None else Cache(1024)
        #: Set by the container: footer words on how current an election's source-fed data is.
        self.freshness: Callable[[int, str], Awaitable[str]] | None = None

    @property
    def loads(self) -> int:
        """Snapshots loaded so far (tests and benchmarks check caching with it)."""
        return self.snapshots.loads

    async def snapshot(self, guild_id: int, *, max_age: float = 0.0) -> GuildSnapshot:
        """The guild's data at its current version (see `SnapshotCache.get`)."""
        return await self.snapshots.get(guild_id, max_age=max_age)

    async def views(self, guild_id: int, *, show_unpublished: bool = False) -> ViewBuilder:
        """A view builder over the guild's current snapshot at the clock's instant."""
        return ViewBuilder(await self.snapshot(guild_id), self.clock.now(), show_unpublished=show_unpublished)

    async def source_freshness(self, guild_id: int, election_slug: str) -> str:
        """Footer words on how current an election's source-fed data is ('' when no source feeds it).

        The source rows are read once per change of the file (as the snapshot just taken saw it);
        the age is worked out now.
        """
        stamp = self.snapshots.seen_stamp
        rows = await self.sources.get(
            (guild_id, stamp, election_slug),
            lambda: sources_repo.list_for_election(self.db.reader, guild_id, election_slug),
        )
        return freshness(rows, self.clock.now()).describe()

    async def _noted(self, guild_id: int, view: View) -> View:
        """`view` with the source-freshness note on its footer, when a source feeds its election."""
        prov = getattr(view, "provenance", None)
        header: ElectionHeader | None = getattr(view, "header", None)
        if self.freshness is None or prov is None or header is None:
            return view
        note = await self.freshness(guild_id, header.slug)
        if not note:
            return view
        noted: Any = view  # every view is a frozen dataclass with a `provenance` field
        return replace(noted, provenance=replace(prov, note=note))

    async def moment(self, guild_id: int) -> tuple[Hashable, ...]:
        """Everything besides a command's options that decides the guild's election views right now: the
        data version and, for each election, its phase, next milestone, which milestones are past, whole
        days until nominations close and the footer's freshness note. Equal moments with equal options
        build equal views, so a rendered view is reused while its moment holds (`cogs._common`)."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        day = timedelta(days=1)
        elections = []
        for data in snap.elections:
            timeline = data.election.timeline
            instants = [at for name in Timeline.FIELDS if (at := getattr(timeline, name)) is not None]
            close = timeline.nominations_close
            note = await self.freshness(guild_id, data.election.slug) if self.freshness is not None else ""
            elections.append(
                (
                    data.election.slug,
                    data.phase(now),
                    next_milestone(timeline, now),
                    tuple(at <= now for at in instants),
                    (close - now) // day if close and close > now else None,
                    note,
                )
            )
        return (snap.version.version, tuple(elections))

    # ------------------------------------------------------------------------- helpers for services

    def header(self, data: ElectionData, now: datetime) -> ElectionHeader:
        """The election facts every view shows, at `now`."""
        return election_header(data, now)

    def row(self, data: ElectionData, candidate: Candidate) -> CandidateRow:
        """A candidate as members may see them (no result before publication)."""
        return candidate_row(data, candidate, self.clock.now())

    # --------------------------------------------------------------------------------- use-cases

    async def election_list(self, guild_id: int) -> ElectionListView:
        """`/election list`: the guild's elections, newest first, with the current one marked."""
        return (await self.views(guild_id)).election_list()

    async def election_info(self, guild_id: int, election: str | None) -> ElectionInfoView:
        """`/election info`."""
        return await self._noted(guild_id, (await self.views(guild_id)).election_info(election))

    async def candidate_profile(self, guild_id: int, name: str, election: str | None) -> CandidateProfileView:
        """`/candidate`."""
        return await self._noted(guild_id, (await self.views(guild_id)).candidate_profile(name, election))

    async def candidate_list(
        self, guild_id: int, election: str | None, slate: str | None = None, status: str | None = None
    ) -> CandidateListView:
        """`/candidates`: by surname before results are published, by result after."""
        return await self._noted(guild_id, (await self.views(guild_id)).candidate_list(election, slate, status))

    async def slate_info(self, guild_id: int, name: str, election: str | None) -> SlateInfoView:
        """`/slate info`."""
        return await self._noted(guild_id, (await self.views(guild_id)).slate_info(name, election))

    async def slate_compare(self, guild_id: int, names: Sequence[str], election: str | None) -> SlateCompareView:
        """`/slate compare`: two or three slates side by side."""
        return await self._noted(guild_id, (await self.views(guild_id)).slate_compare(names, election))

    async def nominations_progress(self, guild_id: int, election: str | None) -> ProgressView:
        """`/nominations progress`: every standing candidate, most nominated first."""
        return await self._noted(guild_id, (await self.views(guild_id)).nominations_progress(election))

    async def body_nominations(self, guild_id: int, name: str, election: str | None) -> BodyNominationsView:
        """`/nominations branch`: whom a body nominated, when, and its next meeting."""
        return await self._noted(guild_id, (await self.views(guild_id)).body_nominations(name, election))

    async def candidate_nominations(self, guild_id: int, name: str, election: str | None) -> CandidateNominationsView:
        """`/nominations for`: the bodies that nominated a candidate, by region."""
        return await self._noted(guild_id, (await self.views(guild_id)).candidate_nominations(name, election))

    async def results(
        self, guild_id: int, election: str | None, mode: ResultsMode | str = ResultsMode.SUMMARY
    ) -> ResultsView:
        """`/results`: summary, rounds or slates; nothing but a notice while unpublished."""
        return await self._noted(guild_id, (await self.views(guild_id)).results(election, mode))
