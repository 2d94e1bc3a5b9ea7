"""Logging set-up that never writes the bot token or interaction tokens."""

from __future__ import annotations

import logging
import re

import discord

# Interaction and webhook tokens travel in URL paths; discord.py logs those paths at DEBUG.
_TOKEN_PATHS = re.compile(r"(/(?:interactions/\d+|webhooks/\d+))/[A-Za-z0-9_.\-]+")


class RedactTokens(logging.Filter):
    """Replace the bot token and any interaction/webhook token in a record's message."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._secrets = [s for s in (secrets or []) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        message = record.getMessage()
        cleaned = _TOKEN_PATHS.sub(r"\1/[token]", message)
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, "[token]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup(level: str, secrets: list[str] | None = None) -> None:
    """Configure discord.py's logging at `level` with token redaction on every handler."""
    discord.utils.setup_logging(level=getattr(logging, level, logging.INFO), root=True)
    redactor = RedactTokens(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
