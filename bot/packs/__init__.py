"""Election packs: the JSON/CSV import format, its checks, and the diff an import would make.

Pure code (no database): parse → `Pack`; `merge` a pack over a guild's `State`; `diff_states`
for the `ImportPlan`. `bot.services.imports` wires these to the store.
"""

from bot.packs.issues import Loc, PackError, PackIssue
from bot.packs.merge import merge
from bot.packs.model import KINDS, ElectionEntry, Pack, Row
from bot.packs.plan import Change, ImportPlan, KindDiff, diff_states
from bot.packs.state import State

__all__ = [
    "KINDS",
    "Change",
    "ElectionEntry",
    "ImportPlan",
    "KindDiff",
    "Loc",
    "Pack",
    "PackError",
    "PackIssue",
    "Row",
    "State",
    "diff_states",
    "merge",
]
