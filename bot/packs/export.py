"""A `State` written out as a JSON election pack (the inverse of the JSON reader)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from bot.packs.json_format import FORMAT_VERSION
from bot.packs.model import TIMELINE_FIELDS
from bot.packs.results_rule import export_winners
from bot.packs.state import State


def state_to_pack(state: State, election_slug: str | None = None) -> dict[str, Any]:
    """The pack for every election (or one) plus all bodies; `pack_from_dict` reads it back unchanged."""
    slugs = [election_slug] if election_slug is not None else list(state.elections)
    return {
        "version": FORMAT_VERSION,
        # All bodies, even for one election: the bodies list is authoritative, so a partial list
        # would remove the rest when the export is imported back.
        "bodies": [{"name": name, **_body(rec)} for name, rec in sorted(state.bodies.items())],
        "elections": [_election(state, slug) for slug in slugs],
    }


def _body(rec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": rec["kind"], "region": rec["region"], "members": rec["members"], "meeting": rec["meeting"]}


def _election(state: State, slug: str) -> dict[str, Any]:
    e = state.elections[slug]
    noms = sorted(state.nominations.get(slug, {}).items(), key=lambda kv: (kv[0][0], kv[1]["date"] or "", kv[0][1]))
    nominations = [
        {"body": body, "candidates": [k[1] for k, _ in group], "date": date}
        for (body, date), group in groupby(noms, key=lambda kv: (kv[0][0], kv[1]["date"]))
    ]
    result = state.results.get(slug)
    eligible = {"eligible_bodies": e["eligible"]} if e.get("eligible") else {}  # unset: left out, the default
    return {
        "slug": slug,
        "name": e["name"],
        "committee": e["committee"],
        "seats": e["seats"],
        "voting_system": e["voting_system"],
        "nomination_threshold": e["threshold"],
        "electorate": e["electorate"],
        **eligible,
        "timeline": {f: e[f] for f in TIMELINE_FIELDS},
        "slates": [
            {"name": name, **rec} for name, rec in sorted(state.slates.get(slug, {}).items(), key=lambda kv: kv[0])
        ],
        "candidates": [{"name": name, **rec} for name, rec in sorted(state.candidates.get(slug, {}).items())],
        "nominations": nominations,
        "results": None
        if result is None
        else {
            "published": result["published"],
            "valid_ballots": result["valid_ballots"],
            "invalid_ballots": result["invalid_ballots"],
            **_winners(result, e),
        },
    }


def _winners(result: dict[str, Any], election: dict[str, Any]) -> dict[str, Any]:
    """`winners` and the rounds, the final round marked with the elected set even when it is computed."""
    winners, elected = export_winners(result, election)
    rounds = [_round(r) for r in result["rounds"]]
    if rounds:
        rounds[-1]["elected"] = [n for n in rounds[-1]["votes"] if n in elected]
    return {"winners": winners, "rounds": rounds}


def _round(rnd: dict[str, Any]) -> dict[str, Any]:
    # Highest votes first reads naturally; order carries no meaning on import.
    order = sorted(rnd["votes"], key=lambda n: (-rnd["votes"][n], n))
    return {
        "votes": {n: rnd["votes"][n] for n in order},
        "elected": [n for n in order if n in rnd["elected"]],
        "excluded": [n for n in order if n in rnd["excluded"]],
    }
