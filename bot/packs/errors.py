"""Import errors, under the name some callers use (`bot.packs.errors`); defined in `bot.packs.issues`."""

from bot.packs.issues import Loc, PackError, PackIssue

__all__ = ["Loc", "PackError", "PackIssue"]
