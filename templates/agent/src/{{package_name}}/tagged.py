"""Tagged blocks with YAML-ish bodies: the wire format of the context window (factor 3).

Values are escaped like XML text, so nothing inside a value can close a tag or forge an event.
"""

from collections.abc import Mapping, Sequence

from pydantic import JsonValue

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def block(tag: str, data: Mapping[str, JsonValue]) -> str:
    """Render `data` as `<tag>`, one YAML-ish line per field, `</tag>`."""
    body = "\n".join(_mapping_lines(data, ""))
    return f"<{tag}>\n{body}\n</{tag}>" if body else f"<{tag}>\n</{tag}>"


def _mapping_lines(data: Mapping[str, JsonValue], pad: str) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        head = f"{pad}{escape(key)}:"
        lines.extend(_value_lines(head, value, pad))
    return lines


def _value_lines(head: str, value: JsonValue, pad: str) -> list[str]:
    if isinstance(value, Mapping) and value:
        return [head, *_mapping_lines(value, pad + "  ")]
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        lines = [head]
        for item in value:
            lines.extend(_value_lines(f"{pad}  -", item, pad + "  "))
        return lines
    if isinstance(value, str) and len(value.splitlines()) > 1:
        return [f"{head} |", *(f"{pad}  {escape(line)}" for line in value.splitlines())]
    return [f"{head} {_scalar(value)}"]


def _scalar(value: JsonValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0 reads as 12 to a person and to a model
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        text = escape(value)
        # Quote what YAML would misread: empty, padded or number-like strings.
        if not text or text != text.strip() or _looks_like_number(text):
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return text
    return "{}" if isinstance(value, Mapping) else "[]"


def _looks_like_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text in {"true", "false", "null"}
    return True
