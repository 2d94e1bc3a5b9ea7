"""docs/election-pack.schema.json stays in step with the reader: what the code accepts (the demo
pack, an export) the schema accepts, and typical mistakes are refused by both.

No jsonschema dependency: `_validate` below implements the draft 2020-12 subset the schema uses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.packs import PackError
from bot.packs.demo import demo_pack_data
from bot.services.imports import export_pack, parse_pack_json
from bot.store.database import Database
from tests.packs.conftest import GUILD, NOW
from tests.packs.helpers import base, dumps

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "election-pack.schema.json").read_text())
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[name])


def _validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    if "$ref" in schema:
        schema = {**SCHEMA["$defs"][schema["$ref"].split("/")[-1]], **{k: v for k, v in schema.items() if k != "$ref"}}
    errs: list[str] = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_is(value, t) for t in types):
            return [f"{path}: not {types}"]
    if "const" in schema and value != schema["const"]:
        errs.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{path}: not in enum")
    if "anyOf" in schema and not any(not _validate(value, s, path) for s in schema["anyOf"]):
        errs.append(f"{path}: matches no anyOf branch")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10**9):
            errs.append(f"{path}: bad length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errs.append(f"{path}: does not match {schema['pattern']}")
    if _is(value, "number") and "minimum" in schema and value < schema["minimum"]:
        errs.append(f"{path}: below minimum")
    if _is(value, "number") and "maximum" in schema and value > schema["maximum"]:
        errs.append(f"{path}: above maximum")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 10**9):
            errs.append(f"{path}: bad item count")
        for i, item in enumerate(value):
            errs += _validate(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0) or len(value) > schema.get("maxProperties", 10**9):
            errs.append(f"{path}: bad property count")
        errs += [f"{path}.{k}: required" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                errs += _validate(item, props[key], f"{path}.{key}")
            elif extra is False:
                errs.append(f"{path}.{key}: not allowed")
            elif isinstance(extra, dict):
                errs += _validate(item, extra, f"{path}.{key}")
    return errs


def test_schema_is_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_demo_and_sample_packs_match_the_schema() -> None:
    assert _validate(demo_pack_data(NOW), SCHEMA) == []
    assert _validate(base(), SCHEMA) == []


async def test_exports_match_the_schema(db: Database, do_import) -> None:
    pack = base()
    pack["elections"][0]["eligible_bodies"] = {"kinds": ["CLP"], "regions": ["London"]}
    await do_import(parse_pack_json(dumps(pack)))
    exported = await export_pack(db, GUILD)
    assert exported["elections"][0]["eligible_bodies"] == {"kinds": ["CLP"], "regions": ["London"], "bodies": []}
    assert _validate(exported, SCHEMA) == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p["elections"][0]["timeline"].update(ballot_open="2017-12-11T09:00:00"),
        lambda p: p["elections"][0]["slates"][0].update(colour="red"),
        lambda p: p["elections"][0].update(slug="Bad Slug"),
        lambda p: p["elections"][0].update(voting_system="ranked"),
        lambda p: p["elections"][0]["candidates"][0].update(bio="x" * 1501),
        lambda p: p["elections"][0]["candidates"][0].update(photo_url="ftp://x.org/a.png"),
        lambda p: p["elections"][0]["results"]["rounds"][0]["votes"].update({"Nick Donovan": -1}),
        lambda p: p["bodies"][0].update(members="many"),
        lambda p: p["elections"][0].update(candiates=[]),
        lambda p: p["elections"][0].update(eligible_bodies={"kind": ["CLP"]}),
        lambda p: p["elections"][0].update(eligible_bodies={"bodies": "Hove CLP"}),
        lambda p: p["elections"][0].update(eligible_bodies=["Hove CLP"]),
    ],
)
def test_schema_and_reader_refuse_the_same_mistakes(mutate) -> None:
    pack = base()
    mutate(pack)
    assert _validate(pack, SCHEMA) != []
    with pytest.raises(PackError):
        parse_pack_json(dumps(pack))
