"""Small pack builders shared by the pack tests."""

from __future__ import annotations

import copy
import json
from typing import Any

BASE: dict[str, Any] = {
    "bodies": [
        {
            "name": "Islington North CLP",
            "kind": "CLP",
            "region": "London",
            "members": 2400,
            "meeting": "2026-12-02T19:30:00+00:00",
        },
        {"name": "Leeds Central CLP", "kind": "CLP", "region": "Yorkshire", "members": 1200},
        {"name": "Hove CLP", "kind": "CLP", "region": "South East", "members": 3100},
    ],
    "elections": [
        {
            "slug": "nec-test",
            "name": "NEC CLP section (test)",
            "committee": "National Executive Committee",
            "seats": 3,
            "voting_system": "bloc",
            "nomination_threshold": "5%",
            "electorate": 552000,
            "timeline": {
                "nominations_open": "2017-11-01T09:00:00+00:00",
                "nominations_close": "2017-11-24T12:00:00Z",
                "ballot_open": "2017-12-11T09:00:00+00:00",
                "ballot_close": "2018-01-12T12:00:00+00:00",
                "results": "2018-01-15T12:00:00+00:00",
            },
            "slates": [
                {
                    "name": "Centre Left Grassroots Alliance",
                    "short": "CLGA",
                    "colour": "#C8102E",
                    "backers": ["Momentum", "CLPD"],
                },
                {"name": "Progress / Labour First backed", "short": "PLF", "colour": "#7a3e9d"},
            ],
            "candidates": [
                {"name": "Yasmine Dar", "slate": "CLGA", "bio": "A bio.", "photo_url": None, "links": {}},
                {"name": "Jon Lansman", "slate": "Centre Left Grassroots Alliance"},
                {"name": "Rachel Garnham", "slate": "clga"},
                {"name": "Eddie Izzard", "slate": "PLF", "links": {"site": "https://example.org/ei"}},
                {"name": "Nick Donovan", "slate": None},
            ],
            "nominations": [
                {"body": "Islington North CLP", "candidates": ["Yasmine Dar", "Jon Lansman"], "date": "2017-11-10"},
                {"body": "Leeds Central CLP", "candidates": ["Eddie Izzard"], "date": "2017-11-12"},
                {"body": "hove clp", "candidates": ["yasmine dar"], "date": None},
            ],
            "results": {
                "published": True,
                "valid_ballots": None,
                "invalid_ballots": None,
                "rounds": [
                    {
                        "votes": {
                            "Yasmine Dar": 68388,
                            "Jon Lansman": 65163,
                            "Rachel Garnham": 62982,
                            "Eddie Izzard": 39508,
                            "Nick Donovan": 11944,
                        },
                        "elected": ["Yasmine Dar", "Jon Lansman", "Rachel Garnham"],
                        "excluded": [],
                    }
                ],
            },
        }
    ],
}


def base() -> dict[str, Any]:
    """A fresh deep copy of the base pack (tests mutate it)."""
    return copy.deepcopy(BASE)


def dumps(obj: Any) -> str:
    """JSON text of a pack."""
    return json.dumps(obj, ensure_ascii=False)
