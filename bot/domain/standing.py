"""A candidate's standing as members should read it, from the stored status, the phase and the result."""

from __future__ import annotations

from bot.domain.models import CandidateStatus, Phase
from bot.domain.results import RankedCandidate

DID_NOT_QUALIFY = "did not qualify"
NOT_ON_BALLOT = "not on the ballot"
TIED = "tied for the last seat"

# Phases in which nominations are over: the list of candidates is the ballot paper.
NOMINATIONS_OVER = frozenset({Phase.BALLOT, Phase.COUNTING, Phase.RESULTS})


def candidate_standing(
    stored: CandidateStatus,
    *,
    phase: Phase,
    qualified: bool | None,
    ranked: RankedCandidate | None,
    result_shown: bool,
) -> str:
    """The status text for a candidate.

    - In a shown (published) result: elected, not elected, or tied for the last seat.
    - Stored elected/not elected before the result is shown: on ballot (no spoilers).
    - Once nominations are over, a candidate still "seeking nominations" reached the ballot if they
      met the threshold (or there is none), and otherwise did not qualify; with no threshold and a
      shown result that leaves them out, they were not on the ballot.
    - Anything else (withdrawn, on ballot, still seeking while nominations run) is the stored status.
    """
    if ranked is not None:
        return TIED if ranked.tied else (CandidateStatus.ELECTED if ranked.elected else CandidateStatus.NOT_ELECTED)
    if stored in (CandidateStatus.ELECTED, CandidateStatus.NOT_ELECTED) and not result_shown:
        return CandidateStatus.ON_BALLOT.value
    if stored is CandidateStatus.SEEKING and phase in NOMINATIONS_OVER:
        if qualified is False:
            return DID_NOT_QUALIFY
        if qualified is None and result_shown:
            return NOT_ON_BALLOT
        return CandidateStatus.ON_BALLOT.value
    return stored.value


ON_BALLOT_STANDINGS = frozenset(
    {CandidateStatus.ON_BALLOT.value, CandidateStatus.ELECTED.value, CandidateStatus.NOT_ELECTED.value, TIED}
)


def expected_on_ballot(stored: CandidateStatus, qualified: bool | None) -> bool:
    """Whether a result should have votes for this candidate: not withdrawn, and not below the threshold
    (unless a moderator put them on the ballot)."""
    if stored is CandidateStatus.WITHDRAWN:
        return False
    if stored in (CandidateStatus.ON_BALLOT, CandidateStatus.ELECTED, CandidateStatus.NOT_ELECTED):
        return True
    return qualified is not False
