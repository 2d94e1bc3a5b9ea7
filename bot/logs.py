"""Logging set-up that never writes the bot token or interaction tokens.

At DEBUG, discord.py dumps every gateway event, and an `INTERACTION_CREATE` carries a `token` that
works as a webhook credential for 15 minutes; the REST layer logs URL paths that hold the same
token. Redaction happens when a record is *created* (a record factory), so it covers every logger
and every handler, including ones added later or attached to loggers that do not propagate, and it
covers exception and stack text as well as the message.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

# Interaction and webhook tokens travel in URL paths; discord.py logs those paths at DEBUG.
_TOKEN_PATHS = re.compile(r"(/(?:interactions/\d+|webhooks/\d+))/[A-Za-z0-9_.\-]+")
# A `token` key (or `access_token`, `webhook_token` …) in a dict's repr, JSON, or `key=value` text.
_TOKEN_QUERY = re.compile(r"((?<![A-Za-z0-9])\w*token=)[^\s&'\",;)}]+", re.IGNORECASE)
_TOKEN_KEYS = re.compile(r"""((?<![A-Za-z0-9])['"]?\w*token['"]?\s*[:=]\s*)(['"])(?:(?!\2).)+\2""", re.IGNORECASE)


def redact(text: str, secrets: list[str] | None = None) -> str:
    """`text` with token keys, token URL paths and the given secrets replaced by `[token]`."""
    cleaned = _TOKEN_KEYS.sub(r"\1\2[token]\2", text)
    cleaned = _TOKEN_QUERY.sub(r"\1[token]", cleaned)
    cleaned = _TOKEN_PATHS.sub(r"\1/[token]", cleaned)
    for secret in secrets or ():
        if secret:
            cleaned = cleaned.replace(secret, "[token]")
    return cleaned


def _redact_record(record: logging.LogRecord, secrets: list[str] | None = None) -> None:
    """Rewrite a record in place: its message, exception text and stack text."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is the logging module's to report, at emit time
        return
    cleaned = redact(message, secrets)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        # Formatters reuse `exc_text` when it is set, so the traceback is only ever written redacted.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)


class RedactTokens(logging.Filter):
    """Replace the bot token and any interaction/webhook token in a record's message."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._secrets = [s for s in (secrets or []) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        _redact_record(record, self._secrets)
        return True


class _RedactingFactory:
    """A log record factory that redacts each record as it is made, around the previous factory.

    It holds the secrets to blank out besides token-shaped text (the bot token), set by `setup`.
    """

    def __init__(self, inner: Any, secrets: list[str]) -> None:
        self.inner = inner
        self.secrets = secrets

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        _redact_record(record, self.secrets)
        return record


def install_redaction(secrets: list[str] | None = None) -> None:
    """Redact every log record from now on, whatever logger or handler (idempotent)."""
    kept = [s for s in (secrets or []) if s]
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _RedactingFactory):
        factory.secrets = kept
    else:
        logging.setLogRecordFactory(_RedactingFactory(factory, kept))


def setup(level: str, secrets: list[str] | None = None) -> None:
    """Configure discord.py's logging at `level` with token redaction on every record."""
    install_redaction(secrets)
    discord.utils.setup_logging(level=getattr(logging, level, logging.INFO), root=True)
    redactor = RedactTokens(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
