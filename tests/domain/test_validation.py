"""Input rules and safe display of user text."""

from __future__ import annotations

import pytest

from bot.domain.models import Threshold
from bot.domain.validation import (
    ValidationError,
    escape_markdown,
    neutralise_mass_mentions,
    parse_threshold,
    slugify,
    validate_colour,
    validate_name,
    validate_slug,
    validate_statement,
    validate_timezone,
    validate_url,
)

ZWSP = "\u200b"


def test_names() -> None:
    assert validate_name("  Yasmine Dar ") == "Yasmine Dar"
    assert validate_name("x" * 100) == "x" * 100
    with pytest.raises(ValidationError) as err:
        validate_name("x" * 101, field="candidate name")
    assert err.value.field == "candidate name"
    assert "candidate name" in str(err.value) and "101" in str(err.value)
    for empty in ("", "   ", None):
        with pytest.raises(ValidationError, match="can't be empty"):
            validate_name(empty)


def test_statements() -> None:
    assert validate_statement("") == ""
    assert validate_statement(" " + "s" * 1500 + " ") == "s" * 1500
    with pytest.raises(ValidationError, match="1,501 characters; the limit is 1,500") as err:
        validate_statement("s" * 1501)
    assert err.value.field == "statement"


@pytest.mark.parametrize("slug", ["nec-2018", "a", "x" * 64, "0-9"])
def test_valid_slugs(slug: str) -> None:
    assert validate_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "NEC", "nec_2018", "nec 2018", "x" * 65, "né"])
def test_invalid_slugs(slug: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_slug(slug)
    assert err.value.field == "slug"


def test_invalid_slug_suggests_one() -> None:
    with pytest.raises(ValidationError, match=r"e\.g\. “nec-2018”"):
        validate_slug("NEC 2018")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Labour NEC 2018 (CLP section)", "labour-nec-2018-clp-section"),
        ("  Conseil d'Administration — Québec ", "conseil-dadministration-quebec"),
        ("Seán O'Brien", "sean-obrien"),
        ("x" * 63 + " y", "x" * 63),  # cut at 64 and no trailing hyphen
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert validate_slug(slug) == slug


def test_slugify_nothing_usable() -> None:
    with pytest.raises(ValidationError):
        slugify("—!!—")


@pytest.mark.parametrize(
    ("text", "colour"),
    [("#e4003b", "#E4003B"), ("E4003B", "#E4003B"), (" #AbCdEf ", "#ABCDEF"), ("#f0a", "#FF00AA")],
)
def test_colours(text: str, colour: str) -> None:
    assert validate_colour(text) == colour


@pytest.mark.parametrize("text", ["", "reddish", "#12345", "#1234567", "#GGGGGG", None])
def test_bad_colours(text: str | None) -> None:
    with pytest.raises(ValidationError, match="a name like red or dark blue, or a hex code"):
        validate_colour(text)


def test_colour_names_and_zone_cities() -> None:
    """#18 item 11: `blue` as well as hex; a city name is answered with the zone it means."""
    from bot.domain.validation import validate_timezone

    assert validate_colour("Blue") == "#3498DB" and validate_colour("dark grey") == validate_colour("dark gray")
    with pytest.raises(ValidationError, match=r"did you mean Europe/London\?"):
        validate_timezone("London")
    with pytest.raises(ValidationError, match=r"did you mean America/New_York\?"):
        validate_timezone("new york")


@pytest.mark.parametrize(
    "url", ["https://labourlist.org/2018/01/nec", "http://example.com", "HTTPS://Example.com:8080/x?y=1#z"]
)
def test_urls(url: str) -> None:
    assert validate_url(url) == url


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "can't be empty"),
        ("javascript:alert(1)", "http:// or https://"),
        ("ftp://example.com", "http:// or https://"),
        ("example.com", "http:// or https://"),
        ("https://", "no website name"),
        ("https:///path", "no website name"),
        ("https://exa mple.com", "spaces"),
        ("https://[::1", "isn't a valid link"),
        ("https://x.com/" + "a" * 2000, "too long"),
    ],
)
def test_bad_urls(url: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as err:
        validate_url(url, field="photo url")
    assert err.value.field == "photo url"


@pytest.mark.parametrize(
    ("text", "threshold"),
    [
        ("5%", Threshold(5, percent=True)),
        (" 5 % ", Threshold(5, percent=True)),
        ("2.5%", Threshold(2.5, percent=True)),
        ("100%", Threshold(100, percent=True)),
        ("35", Threshold(35)),
        ("35.0", Threshold(35)),
    ],
)
def test_thresholds(text: str, threshold: Threshold) -> None:
    assert parse_threshold(text) == threshold


@pytest.mark.parametrize("text", ["", "five", "5%%", "-5%", "0%", "101%", "0", "2.5", "%"])
def test_bad_thresholds(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_threshold(text)
    assert err.value.field == "threshold"
    assert "threshold" in str(err.value)


def test_timezones() -> None:
    assert validate_timezone(" Europe/London ") == "Europe/London"
    assert validate_timezone("UTC") == "UTC"
    for bad in ("", "Europe/Londres", "../etc/passwd", "BST", None):
        with pytest.raises(ValidationError, match="time zone"):
            validate_timezone(bad)


def test_escape_markdown() -> None:
    assert escape_markdown("*bold* _it_ ~~s~~ ||sp|| `code` 3 > 2") == (
        r"\*bold\* \_it\_ \~\~s\~\~ \|\|sp\|\| \`code\` 3 > 2"
    )
    assert escape_markdown(r"back\slash") == r"back\\slash"
    assert escape_markdown("[click](https://evil.example)") == r"\[click\](https://evil.example)"
    assert escape_markdown("# Big\n-# small\n- item\n> quote\n >>> all") == (
        "\\# Big\n\\-# small\n\\- item\n\\> quote\n \\>>> all"
    )
    assert escape_markdown("Ann-Marie # 2") == "Ann-Marie # 2"  # only line starts matter
    assert escape_markdown("") == "" and escape_markdown(None) == ""


def test_mentions_neutralised() -> None:
    assert escape_markdown("hi @everyone and @HERE") == f"hi @{ZWSP}everyone and @{ZWSP}HERE"
    assert escape_markdown("<@123> <@!45> <@&67> <#89>") == f"<@{ZWSP}123> <@!{ZWSP}45> <@&{ZWSP}67> <#{ZWSP}89>"
    assert escape_markdown("mail me: a@b.org") == "mail me: a@b.org"
    assert neutralise_mass_mentions("*@here*") == f"*@{ZWSP}here*"
