"""Discord's error shapes: JSON error bodies, nested form errors, and recorded violations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# JSON error codes the simulator answers with (names follow Discord's documentation).
GENERAL = 0
UNKNOWN_APPLICATION = 10002
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063
OPENING_DMS_TOO_FAST = 40003
REQUEST_TOO_LARGE = 40005
ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
CANNOT_MESSAGE_USER = 50007
NO_MUTUAL_GUILDS = 50278
MISSING_PERMISSIONS = 50013
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035
INVALID_JSON = 50109


class SimError(Exception):
    """A test used the simulator in a way a real Discord user could not (unknown command, bad option...)."""


class DiscordHTTPError(Exception):
    """Raised inside REST handlers; turned into Discord's JSON error response.

    `violation` says whether the bot broke a Discord rule (recorded in `sim.violations`) rather
    than meeting an environment condition such as a closed DM or a missing permission.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        *,
        violation: bool = True,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation

    def body(self) -> dict[str, Any]:
        """The JSON body Discord sends for this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass(frozen=True)
class Violation:
    """One request the simulator rejected because the bot broke a Discord rule."""

    status: int
    code: int
    message: str
    method: str
    path: str
    errors: dict[str, Any] | None = None
    interaction_id: int | None = None

    def __str__(self) -> str:
        detail = f" {self.errors}" if self.errors else ""
        return f"{self.method} {self.path} -> {self.status} ({self.code}) {self.message}{detail}"


@dataclass
class ErrorTree:
    """Collects field errors and renders them in Discord's nested `{"a": {"0": {"_errors": [...]}}}` form."""

    root: dict[str, Any] = field(default_factory=dict)

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record an error at `path` (keys and list indexes)."""
        node = self.root
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.root)

    def prefixed(self, *prefix: str | int) -> dict[str, Any]:
        """Return the tree nested under `prefix` (e.g. `data` for interaction callbacks)."""
        out: dict[str, Any] = self.root
        for part in reversed(prefix):
            out = {str(part): out}
        return out


def form_error(tree: ErrorTree, *prefix: str | int) -> DiscordHTTPError:
    """The 400 Invalid Form Body error for a filled tree."""
    return DiscordHTTPError(400, INVALID_FORM_BODY, "Invalid Form Body", tree.prefixed(*prefix))


def not_found(code: int, what: str) -> DiscordHTTPError:
    """A 404 with Discord's `Unknown <thing>` message."""
    return DiscordHTTPError(404, code, f"Unknown {what}")
