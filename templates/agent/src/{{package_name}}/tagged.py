"""Tagged blocks with YAML-ish bodies: the wire format of the context window (factor 3).

Values are escaped like XML text, so nothing inside a value can close a tag or forge an event.
Rendering runs for every new event, so the JSON types (dict, list, str) are tested first: the
abstract `Mapping`/`Sequence` checks cost more than the rest of the work together.
"""

import re
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from pydantic import JsonValue

# What `float()` accepts once surrounding whitespace is gone (Python's float grammar; `\d` is any
# Unicode decimal digit, as for float), plus the other YAML scalars a string could be taken for.
_NUMBER_LIKE = re.compile(
    r"[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?"
    r"|[+-]?(?i:inf|infinity|nan)|true|false|null"
)
_NUMBERS = (int, float)  # bool is an int


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """The inverse of `escape`, for showing a block to a person (a web page escapes it anew)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip_block(rendered: str, limit: int) -> str:
    """`rendered` (a block) with its body cut to `limit` characters and the cut noted with the
    body's full length; the tags stay intact. Blocks within the limit come back as they are."""
    head, _, rest = rendered.partition("\n")
    body, _, tail = rest.rpartition("\n")
    if len(body) <= limit:
        return rendered
    kept = _PARTIAL_ENTITY.sub("", body[:limit]).rstrip()  # never half of an &amp; behind
    note = f"[clipped: {limit:,} of {len(body):,} characters shown; the thread keeps them all]"
    return f"{head}\n{kept}\n{note}\n{tail}"


_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def block(tag: str, data: Mapping[str, JsonValue]) -> str:
    """Render `data` as `<tag>`, one YAML-ish line per field, `</tag>`."""
    lines = [f"<{tag}>"]
    _mapping_lines(data, "", lines)
    lines.append(f"</{tag}>")
    return "\n".join(lines)


def _mapping_lines(data: Mapping[str, JsonValue], pad: str, lines: list[str]) -> None:
    for key, value in data.items():
        _value_lines(f"{pad}{escape(key)}:", value, pad, lines)


def _value_lines(head: str, value: JsonValue, pad: str, lines: list[str]) -> None:
    """Append the lines of one `head: value` entry to `lines`."""
    if isinstance(value, str):
        parts = value.splitlines()
        if len(parts) > 1:
            lines.append(f"{head} |")
            lines.extend(f"{pad}  {escape(part)}" for part in parts)
        else:
            lines.append(f"{head} {_text(value)}")
    elif value is None or isinstance(value, _NUMBERS):
        lines.append(f"{head} {_scalar(value)}")
    elif isinstance(value, dict) or _is_mapping(value):
        if value:
            lines.append(head)
            _mapping_lines(value, pad + "  ", lines)
        else:
            lines.append(f"{head} {{}}")
    elif isinstance(value, list) or _is_sequence(value):
        if value:
            lines.append(head)
            for item in value:
                _value_lines(f"{pad}  -", item, pad + "  ", lines)
        else:
            lines.append(f"{head} []")
    else:
        lines.append(f"{head} {_scalar(value)}")


def _is_mapping(value: object) -> TypeGuard[Mapping[str, JsonValue]]:
    return isinstance(value, Mapping)


def _is_sequence(value: object) -> TypeGuard[Sequence[JsonValue]]:
    return isinstance(value, Sequence)


def _text(value: str) -> str:
    text = escape(value)
    # Quote what YAML would misread: empty, padded or number-like strings.
    if not text or text != text.strip() or _NUMBER_LIKE.fullmatch(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0 reads as 12 to a person and to a model
    if isinstance(value, _NUMBERS):
        return str(value)
    return "[]"  # anything else that is not JSON (the JSON types are handled above)
