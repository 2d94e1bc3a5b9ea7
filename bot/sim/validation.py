"""Discord's documented limits on what a bot sends; each check fills an ErrorTree like Discord's 50035."""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.sim.errors import ErrorTree

Path = tuple[str | int, ...]

FLAG_COMPONENTS_V2 = 1 << 15

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_ROWS = 5
MAX_ROW_WIDTH = 5
MAX_CUSTOM_ID = 100
MAX_V2_COMPONENTS = 40
MAX_CHOICES = 25


def _max_len(tree: ErrorTree, path: Path, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        tree.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_len(tree: ErrorTree, path: Path, value: Any, low: int, high: int) -> None:
    size = len(value) if isinstance(value, (str, list)) else 0
    if not low <= size <= high:
        tree.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _required(tree: ErrorTree, path: Path) -> None:
    tree.add(path, "BASE_TYPE_REQUIRED", "This field is required")


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6000 limit for one embed."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def check_embeds(embeds: Any, tree: ErrorTree, base: Path = ()) -> None:
    """Per-embed field limits, ≤10 embeds and the 6000-character total."""
    if not isinstance(embeds, list):
        tree.add((*base, "embeds"), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    if len(embeds) > MAX_EMBEDS:
        tree.add((*base, "embeds"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    for i, embed in enumerate(embeds):
        p: Path = (*base, "embeds", i)
        for key, limit in EMBED_LIMITS.items():
            _max_len(tree, (*p, key), embed.get(key), limit)
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            tree.add((*p, "fields"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FIELDS} or fewer in length.")
        for j, fld in enumerate(fields):
            for key, limit in (("name", MAX_FIELD_NAME), ("value", MAX_FIELD_VALUE)):
                value = fld.get(key)
                if not value:
                    _required(tree, (*p, "fields", j, key))
                else:
                    _max_len(tree, (*p, "fields", j, key), value, limit)
        footer = embed.get("footer") or {}
        _max_len(tree, (*p, "footer", "text"), footer.get("text"), MAX_FOOTER)
        author = embed.get("author") or {}
        _max_len(tree, (*p, "author", "name"), author.get("name"), MAX_AUTHOR)
        color = embed.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            tree.add((*p, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215 and >= 0.")
    if sum(embed_size(e) for e in embeds) > MAX_EMBED_TOTAL:
        tree.add((*base, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def _check_button(comp: dict[str, Any], tree: ErrorTree, p: Path) -> None:
    style = comp.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        tree.add((*p, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
    _max_len(tree, (*p, "label"), comp.get("label"), 80)
    if style == 5:
        if not comp.get("url"):
            _required(tree, (*p, "url"))
        if "custom_id" in comp:
            tree.add((*p, "custom_id"), "BUTTON_LINK_CUSTOM_ID", "A link button cannot have a custom id")
    elif style in (1, 2, 3, 4) and not comp.get("custom_id"):
        tree.add((*p, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id required")
    if style != 6 and not comp.get("label") and not comp.get("emoji"):
        tree.add((*p, "label"), "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required")


def _check_select(comp: dict[str, Any], tree: ErrorTree, p: Path) -> None:
    if not comp.get("custom_id"):
        _required(tree, (*p, "custom_id"))
    _max_len(tree, (*p, "placeholder"), comp.get("placeholder"), 150)
    for key, low, high in (("min_values", 0, 25), ("max_values", 1, 25)):
        v = comp.get(key)
        if v is not None and not low <= v <= high:
            tree.add((*p, key), "NUMBER_TYPE_MAX", f"int value should be <= {high} and >= {low}.")
    if comp.get("type") == 3:
        options = comp.get("options")
        if not isinstance(options, list) or not options:
            _required(tree, (*p, "options"))
            return
        if len(options) > 25:
            tree.add((*p, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for k, opt in enumerate(options):
            for key in ("label", "value"):
                if not opt.get(key):
                    _required(tree, (*p, "options", k, key))
                _max_len(tree, (*p, "options", k, key), opt.get(key), 100)
            _max_len(tree, (*p, "options", k, "description"), opt.get("description"), 100)
        max_values = comp.get("max_values", 1)
        if max_values > len(options):
            tree.add(
                (*p, "max_values"),
                "SELECT_COMPONENT_MAX_VALUES_OVER_OPTIONS",
                "max_values cannot exceed the number of options",
            )


def _check_interactive(comp: dict[str, Any], tree: ErrorTree, p: Path, seen: set[str]) -> None:
    custom_id = comp.get("custom_id")
    if custom_id is not None:
        _bad_len(tree, (*p, "custom_id"), custom_id, 1, MAX_CUSTOM_ID)
        if custom_id in seen:
            tree.add((*p, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        seen.add(custom_id)
    kind = comp.get("type")
    if kind == 2:
        _check_button(comp, tree, p)
    elif kind in (3, 5, 6, 7, 8):
        _check_select(comp, tree, p)


def _check_row(row: dict[str, Any], tree: ErrorTree, p: Path, seen: set[str]) -> None:
    children = row.get("components")
    if not isinstance(children, list) or not 1 <= len(children) <= MAX_ROW_WIDTH:
        _bad_len(tree, (*p, "components"), children or [], 1, MAX_ROW_WIDTH)
        children = children if isinstance(children, list) else []
    selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
    if selects and len(children) > 1:
        tree.add(
            (*p, "components"),
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    for i, child in enumerate(children):
        if child.get("type") in (1, 4):
            tree.add(
                (*p, "components", i, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).',
            )
        _check_interactive(child, tree, (*p, "components", i), seen)


def _count(components: list[dict[str, Any]]) -> int:
    total = 0
    for c in components:
        total += 1
        total += _count(c.get("components", []) or [])
        if isinstance(c.get("accessory"), dict):
            total += 1
    return total


def check_components(components: Any, flags: int, tree: ErrorTree, base: Path = ()) -> None:
    """Action-row layout (≤5 rows of ≤5 buttons or 1 select), custom_id limits, or V2 counts."""
    if not isinstance(components, list):
        tree.add((*base, "components"), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    seen: set[str] = set()
    if flags & FLAG_COMPONENTS_V2:
        if _count(components) > MAX_V2_COMPONENTS:
            tree.add(
                (*base, "components"),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_V2_COMPONENTS} or fewer in length.",
            )
        _check_v2(components, tree, (*base, "components"), seen)
        return
    if len(components) > MAX_ROWS:
        tree.add((*base, "components"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ROWS} or fewer in length.")
    for i, row in enumerate(components):
        p: Path = (*base, "components", i)
        if row.get("type") != 1:
            tree.add((*p, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
            continue
        _check_row(row, tree, p, seen)


def _check_v2(components: list[dict[str, Any]], tree: ErrorTree, p: Path, seen: set[str]) -> None:
    for i, comp in enumerate(components):
        cp: Path = (*p, i)
        if comp.get("type") == 1:
            _check_row(comp, tree, cp, seen)
            continue
        if comp.get("type") == 10:
            _bad_len(tree, (*cp, "content"), comp.get("content") or "", 1, 4000)
        _check_interactive(comp, tree, cp, seen)
        if isinstance(comp.get("accessory"), dict):
            _check_interactive(comp["accessory"], tree, (*cp, "accessory"), seen)
        if isinstance(comp.get("components"), list):
            _check_v2(comp["components"], tree, (*cp, "components"), seen)


def check_message(
    payload: dict[str, Any],
    tree: ErrorTree,
    *,
    base: Path = (),
    has_files: bool = False,
    creating: bool = True,
) -> None:
    """Content length, embeds and components of a message create/edit body."""
    flags = int(payload.get("flags") or 0)
    content = payload.get("content")
    if content is not None:
        if not isinstance(content, str):
            tree.add((*base, "content"), "BASE_TYPE_STRING", "Could not interpret value as string.")
        else:
            _max_len(tree, (*base, "content"), content, MAX_CONTENT)
    if payload.get("embeds") is not None:
        check_embeds(payload["embeds"], tree, base)
    if payload.get("components") is not None:
        check_components(payload["components"], flags, tree, base)
    if flags & FLAG_COMPONENTS_V2 and (payload.get("content") or payload.get("embeds")):
        tree.add(
            (*base, "content"),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )


def is_empty_message(payload: dict[str, Any], has_files: bool) -> bool:
    """A create with nothing to show (Discord's 50006)."""
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or has_files
    )


def check_choices(choices: Any, option_type: int | None, tree: ErrorTree, base: Path = ("data",)) -> None:
    """Autocomplete results: ≤25 choices, names 1-100, values typed like the option."""
    if not isinstance(choices, list):
        _required(tree, (*base, "choices"))
        return
    if len(choices) > MAX_CHOICES:
        tree.add((*base, "choices"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length.")
    for i, choice in enumerate(choices):
        p: Path = (*base, "choices", i)
        _bad_len(tree, (*p, "name"), choice.get("name") or "", 1, 100)
        value = choice.get("value")
        if option_type == 3:
            if not isinstance(value, str):
                tree.add((*p, "value"), "BASE_TYPE_STRING", "Could not interpret value as string.")
            else:
                _max_len(tree, (*p, "value"), value, 100)
        elif option_type in (4, 10) and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            tree.add((*p, "value"), "NUMBER_TYPE_COERCE", f'Value "{value}" is not a number.')


def check_modal(data: Any, tree: ErrorTree, base: Path = ("data",)) -> None:
    """A modal: title ≤45, custom_id ≤100, 1-5 top-level components with valid text inputs."""
    if not isinstance(data, dict):
        _required(tree, base)
        return
    _bad_len(tree, (*base, "title"), data.get("title") or "", 1, 45)
    _bad_len(tree, (*base, "custom_id"), data.get("custom_id") or "", 1, MAX_CUSTOM_ID)
    components = data.get("components") or []
    _bad_len(tree, (*base, "components"), components, 1, 5)
    for i, comp in enumerate(components):
        p: Path = (*base, "components", i)
        inner: list[tuple[dict[str, Any], Path]] = []
        if comp.get("type") == 1:
            inner = [(c, (*p, "components", j)) for j, c in enumerate(comp.get("components") or [])]
            if len(inner) != 1:
                _bad_len(tree, (*p, "components"), comp.get("components") or [], 1, 1)
        elif comp.get("type") == 18:
            _bad_len(tree, (*p, "label"), comp.get("label") or "", 1, 45)
            _max_len(tree, (*p, "description"), comp.get("description"), 100)
            if isinstance(comp.get("component"), dict):
                inner = [(comp["component"], (*p, "component"))]
        elif comp.get("type") == 10:
            _bad_len(tree, (*p, "content"), comp.get("content") or "", 1, 4000)
        for child, cp in inner:
            if child.get("type") == 4:
                _bad_len(tree, (*cp, "custom_id"), child.get("custom_id") or "", 1, MAX_CUSTOM_ID)
                _max_len(tree, (*cp, "label"), child.get("label"), 45)
                _max_len(tree, (*cp, "placeholder"), child.get("placeholder"), 100)
                _max_len(tree, (*cp, "value"), child.get("value"), 4000)
                if child.get("style") not in (1, 2):
                    tree.add((*cp, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
            else:
                _check_interactive(child, tree, cp, set())


# --- application command definitions -------------------------------------------------------------


def valid_command_name(name: Any, *, chat_input: bool = True) -> bool:
    """Discord's `^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`, lowercase for slash commands."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not chat_input:
        return True
    for ch in name:
        if ch in "-_":
            continue
        category = unicodedata.category(ch)
        if category[0] not in "LN" and category not in ("Mn", "Mc"):
            return False
        if ch != ch.lower():
            return False
    return True


OPTION_TYPES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
#: Combined name/description/value characters of a command with its options and choices
#: (raised by Discord from 4000 to 8000 in February 2024).
COMMAND_MAX_SIZE = 8000


def _check_option(opt: dict[str, Any], tree: ErrorTree, p: Path, depth: int) -> int:
    """Check one option recursively; returns its characters toward the command's size limit."""
    size = len(opt.get("name") or "") + len(opt.get("description") or "")
    if not valid_command_name(opt.get("name")):
        tree.add((*p, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    _bad_len(tree, (*p, "description"), opt.get("description") or "", 1, 100)
    kind = opt.get("type")
    if kind not in OPTION_TYPES:
        tree.add((*p, "type"), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(OPTION_TYPES)}.")
        return size
    children = opt.get("options") or []
    if kind == 2:
        if depth >= 1:
            tree.add((*p, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommand groups cannot be nested")
        if not children or any(c.get("type") != 1 for c in children):
            tree.add(
                (*p, "options"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Subcommand groups may only contain subcommands",
            )
    elif kind == 1:
        if depth >= 2:
            tree.add((*p, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands nested too deep")
        if any(c.get("type") in (1, 2) for c in children):
            tree.add(
                (*p, "options"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Subcommands cannot contain subcommands or groups",
            )
    else:
        if children:
            tree.add((*p, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only subcommands take options")
        choices = opt.get("choices")
        if choices is not None:
            if kind not in (3, 4, 10):
                tree.add((*p, "choices"), "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Choices not allowed")
            if len(choices) > MAX_CHOICES:
                tree.add((*p, "choices"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length.")
            if opt.get("autocomplete"):
                tree.add(
                    (*p, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
                    "Autocomplete cannot be used with choices",
                )
            for k, choice in enumerate(choices):
                _bad_len(tree, (*p, "choices", k, "name"), choice.get("name") or "", 1, 100)
                if kind == 3:
                    _bad_len(tree, (*p, "choices", k, "value"), str(choice.get("value") or ""), 1, 100)
                size += len(choice.get("name") or "") + len(str(choice.get("value")))
        for key in ("min_length", "max_length"):
            v = opt.get(key)
            if v is not None and not 0 <= v <= 6000:
                tree.add((*p, key), "NUMBER_TYPE_MAX", "int value should be <= 6000 and >= 0.")
    if children:
        if len(children) > 25:
            tree.add((*p, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        size += _check_option_list(children, tree, (*p, "options"), depth + 1)
    return size


def _check_option_list(options: list[dict[str, Any]], tree: ErrorTree, p: Path, depth: int) -> int:
    size = 0
    kinds = [o.get("type") for o in options]
    if any(k in (1, 2) for k in kinds) and not all(k in (1, 2) for k in kinds):
        tree.add(p, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands cannot be mixed with other options")
    seen_optional = False
    names: set[str | None] = set()  # a missing name is reported by _check_option
    for i, opt in enumerate(options):
        if opt.get("required"):
            if seen_optional:
                tree.add(
                    p,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        elif opt.get("type") not in (1, 2):
            seen_optional = True
        if opt.get("name") in names:
            tree.add(
                (*p, i, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(opt.get("name"))
        size += _check_option(opt, tree, (*p, i), depth)
    return size


def check_commands(commands: Any) -> ErrorTree:
    """Validate a bulk-overwrite body the way Discord does (names, lengths, nesting, ordering)."""
    tree = ErrorTree()
    if not isinstance(commands, list):
        tree.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return tree
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        kind = cmd.get("type", 1)
        chat = kind == 1
        if not valid_command_name(cmd.get("name"), chat_input=chat):
            tree.add((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if chat:
            _bad_len(tree, (i, "description"), cmd.get("description") or "", 1, 100)
        elif cmd.get("description"):
            tree.add(
                (i, "description"),
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "Context menu commands cannot have a description",
            )
        key = (kind, cmd.get("name"))
        if key in seen:
            tree.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
        seen.add(key)
        options = cmd.get("options") or []
        if options and not chat:
            tree.add(
                (i, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Context menu commands take no options"
            )
        if len(options) > 25:
            tree.add((i, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        size = len(cmd.get("name") or "") + len(cmd.get("description") or "")
        size += _check_option_list(options, tree, (i, "options"), 0)
        if size > COMMAND_MAX_SIZE:
            tree.add((i,), "APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({COMMAND_MAX_SIZE})")
    if sum(1 for c in commands if c.get("type", 1) == 1) > 100:
        tree.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    return tree
