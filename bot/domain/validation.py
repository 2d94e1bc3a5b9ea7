"""Input rules for what organisers type, with messages that name the field; safe display of user text."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.models import Threshold

MAX_NAME = 100
MAX_STATEMENT = 1500
MAX_SLUG = 64
MAX_URL = 2000

SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}$")
_HEX6 = re.compile(r"^#?([0-9a-fA-F]{6})$")
_HEX3 = re.compile(r"^#?([0-9a-fA-F]{3})$")
_THRESHOLD = re.compile(r"^(\d+(?:\.\d+)?)\s*(%?)$")
_ZWSP = "\u200b"


class ValidationError(ValueError):
    """A value broke a rule. `field` is what was wrong; `message` is ready to show the organiser."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def validate_name(value: str | None, field: str = "name") -> str:
    """A name (candidate, slate, election, body): stripped, non-empty, at most 100 characters."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, f"The {field} can't be empty.")
    if len(text) > MAX_NAME:
        raise ValidationError(field, f"The {field} is {len(text)} characters; the limit is {MAX_NAME}.")
    _no_control_characters(text, field, allowed="")
    return text


#: What makes two names "the same name" (`bot.domain.matching.name_key`), said once to whoever typed one.
SAME_NAME_RULE = "case, accents, spacing, invisible characters and look-alike letters don't make names different"


def same_name_problem(existing: str, what: str) -> str:
    """Why a new name is refused: it reads the same as the existing `what` (e.g. "candidate") called
    `existing`. The existing name comes first, so it survives when a long line is clipped."""
    return (
        f"reads the same as the existing {what} “{existing}” ({SAME_NAME_RULE}); "
        f"write “{existing}” or a name that differs by a letter"
    )


def _no_control_characters(text: str, field: str, allowed: str) -> None:
    """Refuse invisible control characters (terminal escapes, NUL): they break embeds, charts and logs."""
    bad = next((ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in allowed), None)
    if bad is not None:
        raise ValidationError(field, f"The {field} contains an invisible control character (U+{ord(bad):04X}).")


def validate_statement(value: str | None, field: str = "statement") -> str:
    """A candidate statement or description: stripped, may be empty, at most 1,500 characters."""
    text = (value or "").strip()
    if len(text) > MAX_STATEMENT:
        raise ValidationError(field, f"The {field} is {len(text):,} characters; the limit is {MAX_STATEMENT:,}.")
    _no_control_characters(text, field, allowed="\n\t")
    return text


def validate_slug(value: str | None, field: str = "slug") -> str:
    """A short identifier: 1–64 characters of lower-case letters, digits and hyphens."""
    text = (value or "").strip()
    if not SLUG_RE.match(text):
        raise ValidationError(
            field,
            f"The {field} “{text}” must be 1–{MAX_SLUG} characters of lower-case letters, digits and hyphens "
            f"(e.g. “{_suggest_slug(text)}”).",
        )
    return text


def slugify(name: str, field: str = "slug") -> str:
    """A slug made from a name: "Labour NEC 2018 (CLP section)" → "labour-nec-2018-clp-section"."""
    slug = _suggest_slug(name)
    if not slug:
        raise ValidationError(field, f"Can't make a {field} from “{name}”; give one using letters and digits.")
    return slug


def validate_colour(value: str | None, field: str = "colour") -> str:
    """A colour as "#RRGGBB" (upper case). Also accepts no "#", the short "#RGB" form and colour names ("blue")."""
    text = (value or "").strip()
    if (named := COLOUR_NAMES.get(" ".join(text.lower().replace("grey", "gray").split()))) is not None:
        return named
    if m := _HEX6.match(text):
        return "#" + m[1].upper()
    if m := _HEX3.match(text):
        return "#" + "".join(ch * 2 for ch in m[1]).upper()
    raise ValidationError(
        field, f"The {field} “{text}” isn't a colour: use a name like red or dark blue, or a hex code like #E4003B."
    )


#: Colour names people type, as Discord's own role colour palette spells them (grey read as gray).
COLOUR_NAMES = {
    "red": "#E74C3C", "dark red": "#992D22", "orange": "#E67E22", "dark orange": "#A84300",
    "yellow": "#F1C40F", "gold": "#F1C40F", "dark gold": "#C27C0E", "green": "#2ECC71", "dark green": "#1F8B4C",
    "teal": "#1ABC9C", "dark teal": "#11806A", "blue": "#3498DB", "dark blue": "#206694",
    "purple": "#9B59B6", "dark purple": "#71368A", "magenta": "#E91E63", "pink": "#E91E63",
    "dark magenta": "#AD1457", "gray": "#95A5A6", "dark gray": "#607D8B", "light gray": "#BCC0C0",
    "navy": "#34495E", "dark navy": "#2C3E50", "black": "#23272A", "white": "#FFFFFF", "blurple": "#5865F2",
}  # fmt: skip


def validate_url(value: str | None, field: str = "url") -> str:
    """A web link: http or https with a host, no spaces, at most 2,000 characters."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, f"The {field} can't be empty.")
    if len(text) > MAX_URL:
        raise ValidationError(field, f"The {field} is too long (limit {MAX_URL:,} characters).")
    if any(ch.isspace() for ch in text):
        raise ValidationError(field, f"The {field} can't contain spaces.")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        raise ValidationError(field, f"The {field} “{text}” isn't a valid link.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(field, f"The {field} must start with http:// or https://.")
    if not host:
        raise ValidationError(field, f"The {field} “{text}” has no website name after {parts.scheme}://.")
    return text


def parse_threshold(text: str | None, field: str = "threshold") -> Threshold:
    """A nomination threshold: "5%" (share of eligible bodies) or "35" (a number of nominations)."""
    raw = (text or "").strip()
    m = _THRESHOLD.match(raw)
    if not m:
        raise ValidationError(field, f"The {field} “{raw}” should be a number like 35 or a percentage like 5%.")
    value, percent = float(m[1]), bool(m[2])
    if percent:
        if not 0 < value <= 100:
            raise ValidationError(field, f"The {field} percentage must be more than 0% and at most 100%.")
        return Threshold(value, percent=True)
    if not value.is_integer() or value < 1:
        raise ValidationError(field, f"The {field} must be a whole number of nominations, at least 1.")
    return Threshold(value)


def validate_timezone(name: str | None, field: str = "timezone") -> str:
    """An IANA time zone name such as "Europe/London"; returns it stripped."""
    text = (name or "").strip()
    if text:
        try:
            return ZoneInfo(text).key
        except (ZoneInfoNotFoundError, ValueError, OSError):  # malformed keys ("../x"), names too long for a file
            pass
        cities = zones_for_city(text)
        if cities:
            hint = " or ".join(cities[:3])
            raise ValidationError(field, f"“{text}” isn't a time zone name: did you mean {hint}?")
    raise ValidationError(field, f"“{text}” isn't a known time zone; use a name like Europe/London or America/Toronto.")


def zones_for_city(text: str) -> list[str]:
    """IANA zones whose city part is `text` ("london" → ["Europe/London"], "new york" → ["America/New_York"])."""
    wanted = " ".join(text.replace("_", " ").casefold().split())
    return sorted(
        key
        for key in available_timezones()
        if "/" in key and key.rsplit("/", 1)[1].replace("_", " ").casefold() == wanted
    )


# ------------------------------------------------------------------------------------------ display

_MD_CHARS = re.compile(r"([\\*_~|`\[\]])")
_LINE_START = re.compile(r"^(\s*)([#>-])", re.MULTILINE)  # headings "# ", subtext "-# ", lists "- ", quotes "> "
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")


def escape_markdown(text: str | None) -> str:
    """User text made inert for display in Discord.

    Backslash-escapes `\\ * _ ~ | [ ]` and backticks anywhere, and a line-leading ">", "#" or "-"
    (quotes, headings, subtext, lists — Discord only reads those at a line start). "@everyone",
    "@here" and <@id>-style mentions get a zero-width space so they neither ping nor render as a
    mention, even where allowed_mentions isn't in play (e.g. text copied elsewhere).
    """
    if not text:
        return ""
    out = _MD_CHARS.sub(r"\\\1", text)
    out = _LINE_START.sub(r"\1\\\2", out)
    out = _MASS_MENTION.sub(lambda m: "@" + _ZWSP + m[1], out)
    return _MENTION.sub(lambda m: "<" + m[1] + _ZWSP + m[2] + ">", out)


def neutralise_mass_mentions(text: str) -> str:
    """Only defuse @everyone/@here (zero-width space after "@"), leaving markdown alone."""
    return _MASS_MENTION.sub(lambda m: "@" + _ZWSP + m[1], text)


def _suggest_slug(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only.replace("'", "")).strip("-")  # "O'Brien" → "obrien"
    return slug[:MAX_SLUG].rstrip("-")
