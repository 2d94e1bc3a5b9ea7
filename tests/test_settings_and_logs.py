"""Settings from the environment, and logs that never carry tokens."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.logs import RedactTokens


def test_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "HUSTINGS_DATABASE", "HUSTINGS_TIMEZONE", "HUSTINGS_DEV_GUILD"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.discord_token is None
    assert str(s.database) == "data/hustings.db"
    assert s.timezone == "Europe/London"
    assert s.discord_api == "https://discord.com/api/v10"
    assert s.discord_gateway == "wss://gateway.discord.gg/"


def test_env_file_and_secret(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc.def.ghi\nHUSTINGS_DEV_GUILD=42\n")
    s = Settings()
    assert s.discord_token is not None and s.discord_token.get_secret_value() == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(s)
    assert s.dev_guild == 42


def test_bad_timezone_refused(monkeypatch) -> None:
    monkeypatch.setenv("HUSTINGS_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown IANA time zone"):
        Settings()


def test_bad_role_refused(monkeypatch) -> None:
    monkeypatch.setenv("HUSTINGS_ROLE", "boss")
    with pytest.raises(ValidationError, match="'auto' or 'gateway'"):
        Settings()
    monkeypatch.setenv("HUSTINGS_ROLE", "gateway")
    assert Settings().role == "gateway"


def test_env_example_lists_every_setting() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for field in Settings.model_fields.values():
        alias = field.validation_alias.choices[0]  # type: ignore[union-attr]
        assert f"\n{alias}=" in "\n" + text, alias


def test_redaction_of_tokens() -> None:
    record = logging.LogRecord(
        "discord.http",
        logging.DEBUG,
        __file__,
        1,
        "POST %s with %s",
        ("https://x/api/v10/interactions/123/aW50ZXJhY3Rpb24.tok-en_1/callback", "SECRET"),
        None,
    )
    RedactTokens(["SECRET"]).filter(record)
    message = record.getMessage()
    assert "aW50ZXJhY3Rpb24" not in message and "SECRET" not in message
    assert "/interactions/123/[token]/callback" in message
