"""Name search for autocomplete and "did you mean"."""

from __future__ import annotations

import random
import string
import unicodedata

import pytest

from bot.domain.matching import NameIndex, closest_names, name_key, normalise, same_name, search_names

NEC = [
    "Yasmine Dar",
    "Jon Lansman",
    "Rachel Garnham",
    "Eddie Izzard",
    "Johanna Baxter",
    "Gurinder Singh Josan",
    "Nick Donovan",
    "Nicola Morrison",
    "Sarah Taylor",
]


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex([*NEC, "José Martínez", "Jon", "Seán O'Brien", "Jean-Luc Picard", "Straße Person"])


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("José", "jose"),
        ("  Jean-Luc   Picard ", "jean luc picard"),
        ("Seán O'Brien", "sean obrien"),
        ("Straße", "strasse"),
        ("ÅNGSTRÖM", "angstrom"),
    ],
)
def test_normalise(text: str, folded: str) -> None:
    assert normalise(text) == folded


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("josan", "Gurinder Singh Josan"),
        ("gurinder", "Gurinder Singh Josan"),
        ("singh jo", "Gurinder Singh Josan"),
        ("josan gurinder", "Gurinder Singh Josan"),
        ("ya", "Yasmine Dar"),
        ("Jose", "José Martínez"),
        ("martinez", "José Martínez"),
        ("obrien", "Seán O'Brien"),
        ("jean-luc", "Jean-Luc Picard"),
        ("luc", "Jean-Luc Picard"),
        ("strasse", "Straße Person"),
        ("IZZARD", "Eddie Izzard"),
    ],
)
def test_search_first_hit(index: NameIndex, query: str, first: str) -> None:
    assert index.search(query)[0] == first


def test_ranking_tiers(index: NameIndex) -> None:
    # exact, then full-name prefixes (shorter first), then a later word's start; substrings last
    assert index.search("jo") == ["Jon", "Jon Lansman", "José Martínez", "Johanna Baxter", "Gurinder Singh Josan"]
    assert index.search("jon")[:2] == ["Jon", "Jon Lansman"]
    assert index.search("nder") == ["Gurinder Singh Josan"]  # substring only


def test_word_start_beats_substring() -> None:
    idx = NameIndex(["Ann Dar", "Darren Smith", "Aidan Moore", "Adar Zed"])
    assert idx.search("dar") == ["Darren Smith", "Ann Dar", "Adar Zed"]


def test_no_match_limit_and_empty(index: NameIndex) -> None:
    assert index.search("zzzz") == []
    assert index.search("a", limit=3) == index.search("a")[:3]
    assert index.search("a", limit=0) == []
    assert index.search("") == list(index.names)[:25]
    assert len(index.search("   ", limit=2)) == 2
    assert search_names("dar", NEC) == ["Yasmine Dar"]
    assert len(NameIndex(["A", "A", "B"])) == 2


def test_closest_names() -> None:
    assert closest_names("Lansmann", NEC) == ["Jon Lansman"]
    assert closest_names("izard", NEC)[0] == "Eddie Izzard"
    assert closest_names("Garnam", NEC)[0] == "Rachel Garnham"
    assert closest_names("qqqq", NEC) == []
    assert closest_names("", NEC) == []
    assert NameIndex(NEC).closest("Jhoanna Baxter") == ["Johanna Baxter"]
    assert len(closest_names("n", ["Nick", "Nicola", "Nia", "Ned"], n=2)) <= 2


def test_search_on_5000_names_answers_within_the_choice_limit() -> None:
    """Every query on a large index answers at most 25 choices (its speed: `python -m bench autocomplete`)."""
    rng = random.Random(7)

    def word() -> str:
        return rng.choice(string.ascii_uppercase) + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9)))

    names = [f"{word()} {word()}" + (f" {word()}" if rng.random() < 0.3 else "") for _ in range(5000)]
    idx = NameIndex(names)
    queries = ["a", "jo", "smi", "an", "x", "ma ro", "qz", "e", "ll", "ro"] * 20
    known = set(names)
    for q in queries:
        found = idx.search(q)
        assert len(found) <= 25 and known.issuperset(found)


# ------------------------------------------------------------------------ one rule for "the same name"


def test_name_key_folds_what_readers_cannot_see() -> None:
    sian = "Siân Llewellyn"
    same = [
        "Sian Llewellyn",
        "SIÂN LLEWELLYN",
        unicodedata.normalize("NFD", sian),
        "Si\u200ban Llewellyn",  # zero-width space
        "Si\u00adân Llewellyn",  # soft hyphen
        " Siân\u00a0 Llewellyn ",
        "S\u0456\u00e2n Llewellyn",  # Cyrillic і
        "Si\u0430\u0302n Llewellyn",  # Cyrillic а + combining circumflex
    ]
    for other in same:
        assert name_key(other) == name_key(sian), other
    assert same_name("Ѕіаn Llewellyn", ["Ann Black", sian]) == sian  # Cyrillic Ѕ, і, а
    assert name_key("\u0412en") == name_key("Ben")  # Cyrillic capital В looks like B
    assert name_key("\u0399an") == name_key("Ian")  # Greek capital iota, as Latin I folds
    different = [("Ann Black", "Anne Black"), ("Sian Llewellyn", "Sian Llewelyn"), ("🌹", "✊"), ("Vernon", "Vemon")]
    for a, b in different:
        assert name_key(a) != name_key(b), (a, b)
    assert same_name("Anne Black", ["Ann Black"]) is None
