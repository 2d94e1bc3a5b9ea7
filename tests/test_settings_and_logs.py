"""Settings from the environment, and logs that never carry tokens."""

from __future__ import annotations

import logging

import pytest

from bot.config import VARIABLES, Secret, Settings, SettingsError
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
    with pytest.raises(SettingsError, match="unknown IANA time zone"):
        Settings()


def test_bad_role_refused(monkeypatch) -> None:
    monkeypatch.setenv("HUSTINGS_ROLE", "boss")
    with pytest.raises(SettingsError, match="'auto' or 'gateway'"):
        Settings()
    monkeypatch.setenv("HUSTINGS_ROLE", "gateway")
    assert Settings().role == "gateway"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("HUSTINGS_DATABASE", "", "is empty"),
        ("HUSTINGS_TIMEZONE", "Europe/Londn", "unknown IANA time zone 'Europe/Londn'"),
        ("HUSTINGS_DEV_GUILD", "my server", "must be a server id"),
        ("HUSTINGS_LOG_LEVEL", "loud", "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("HUSTINGS_SOURCE_ALLOW_PRIVATE", "maybe", "true or false"),
        ("HUSTINGS_MAX_ANNOUNCEMENTS", "lots", "a whole number"),
        ("HUSTINGS_MAX_ANNOUNCEMENTS", "0", "greater than or equal to 1"),
        ("HUSTINGS_MAX_SOURCES", "1001", "less than or equal to 1000"),
        ("HUSTINGS_STOP_GRACE", "ten", "must be a number"),
        ("HUSTINGS_STOP_GRACE", "-1", "greater than or equal to 0"),
        ("HUSTINGS_SHARD_COUNT", "2.5", "a whole number"),
        ("HUSTINGS_SHARD_IDS", "0-x", "numbers and ranges"),
        ("HUSTINGS_ROLE", "boss", "'auto' or 'gateway'"),
    ],
)
def test_each_bad_value_is_named_with_what_is_wrong(name: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, _environ={}, **{name: value})
    assert [n for n, _ in caught.value.problems] == [name]
    assert problem in caught.value.problems[0][1]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, _environ={"HUSTINGS_TIMEZONE": "Nowhere", "HUSTINGS_ROLE": "boss"})
    assert [n for n, _ in caught.value.problems] == ["HUSTINGS_TIMEZONE", "HUSTINGS_ROLE"]


def test_sources_in_order_given_then_environment_then_env_file(tmp_path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport HUSTINGS_TIMEZONE='Europe/Paris'\nHUSTINGS_LOG_LEVEL=debug\nhustings_role=gateway\n"
        "HUSTINGS_MAX_SOURCES=3\nSOMETHING_ELSE=ignored\n"
    )
    s = Settings(_env_file=env_file, _environ={"HUSTINGS_LOG_LEVEL": "warning"}, HUSTINGS_MAX_SOURCES=" 4 ")
    assert (s.timezone, s.log_level, s.role, s.max_sources) == ("Europe/Paris", "WARNING", "gateway", 4)
    assert s.source_allow_private is False and s.shard_count is None and s.stop_grace == 8.0
    assert Settings(_env_file=None, _environ={"HUSTINGS_SOURCE_ALLOW_PRIVATE": "Yes"}).source_allow_private is True
    url = "postgresql://hustings:pw@127.0.0.1:5432/hustings"
    assert Settings(_env_file=None, _environ={}, HUSTINGS_DATABASE=url).database == url  # a URL stays text


def test_an_unknown_variable_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="HUSTINGS_DATABSE"):
        Settings(_env_file=None, HUSTINGS_DATABSE="x.db")


def test_replace_and_the_secret_in_reprs() -> None:
    s = Settings(_env_file=None, _environ={"DISCORD_TOKEN": "abc.def.ghi"})
    t = s.replace(dev_guild=5)
    assert (t.dev_guild, s.dev_guild) == (5, None) and t.discord_token == Secret("abc.def.ghi")
    assert "abc.def.ghi" not in repr(t) and "abc.def.ghi" not in str(t.discord_token)
    with pytest.raises(TypeError):
        s.replace(dev_gild=5)


def test_the_command_line_names_the_variable(monkeypatch, capsys, tmp_path) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUSTINGS_TIMEZONE", "Mars/Olympus")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "configuration error in HUSTINGS_TIMEZONE: unknown IANA time zone 'Mars/Olympus'" in err


def test_env_example_lists_every_setting() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for variable in VARIABLES:
        assert f"\n{variable.name}=" in "\n" + text, variable.name


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
