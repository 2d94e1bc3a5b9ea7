"""Errors a user can fix: their message is shown to them as one plain sentence."""

from __future__ import annotations


class UserError(Exception):
    """Something the member or moderator can fix; `str(error)` is shown to them, ephemerally."""


class NotFound(UserError):
    """A named thing does not exist in this guild (or election)."""


class PermissionDenied(UserError):
    """The member lacks the role this action needs."""
