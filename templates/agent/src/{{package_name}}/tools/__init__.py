"""The tool registry. Every module in this package that defines `TOOL` is a tool, so adding one
is dropping in a new module: no list to edit, nothing for `copier update` to conflict with."""

import functools
import importlib
import json
import math
import operator
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from pydantic import Field, JsonValue, TypeAdapter, ValidationError

from ..errors import clip
from .base import Intent, Tool, ToolSpec, unstorable

__all__ = [
    "Intent",
    "InvalidToolCall",
    "Tool",
    "ToolRegistry",
    "ToolSpec",
    "UnknownTool",
    "discover",
]


class InvalidToolCall(Exception):
    """The model's answer is not a valid call of a known tool; recorded as an error event."""


class UnknownTool(LookupError):
    """No tool of that name is on offer (e.g. a call approved before a restart that lost it)."""


class ToolRegistry:
    """The tools on offer, by name, and the discriminated union (on `intent`) that parses calls."""

    def __init__(
        self, tools: Iterable[Tool[Any]], *, unavailable: Mapping[str, str] | None = None
    ) -> None:
        # Name prefix -> why those tools are missing (a tool server that did not start), so a
        # call of one gets that reason instead of "unknown tool".
        self._unavailable = dict(unavailable or {})
        self._tools: dict[str, Tool[Any]] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"two tools are named {tool.name!r}")
            self._tools[tool.name] = tool
        self._specs = [tool.spec() for tool in self._tools.values()]
        models = [tool.model for tool in self._tools.values()]
        union: Any = functools.reduce(operator.or_, models) if models else Intent
        # A discriminated union needs two members; its error locations start with the tag.
        self._tagged = len(models) > 1
        next_step: Any = Annotated[union, Field(discriminator="intent")] if self._tagged else union
        self._next_step: TypeAdapter[Intent] = TypeAdapter(next_step)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def __getitem__(self, name: str) -> Tool[Any]:
        tool = self._tools.get(name)
        if tool is None:
            raise UnknownTool(self._missing(name))
        return tool

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def specs(self) -> list[ToolSpec]:
        """JSON schemas for the model, computed once per registry."""
        return list(self._specs)

    def without(self, names: Iterable[str]) -> "ToolRegistry":
        """The same registry minus `names` (pre-fetched tools are not offered to the model)."""
        dropped = set(names)
        kept = (t for n, t in self._tools.items() if n not in dropped)
        return ToolRegistry(kept, unavailable=self._unavailable)

    def replaced(self, change: Callable[[Tool[Any]], Tool[Any]]) -> "ToolRegistry":
        """The same registry with each tool passed through `change` (e.g. to trace its runs)."""
        kept = (change(tool) for tool in self._tools.values())
        return ToolRegistry(kept, unavailable=self._unavailable)

    def parse(self, name: str, arguments: str | Mapping[str, JsonValue]) -> Intent:
        """Parse a raw tool call into its model, or raise InvalidToolCall with a short reason."""
        if name not in self._tools:
            raise InvalidToolCall(clip(self._missing(name)))
        if isinstance(arguments, str):
            try:
                arguments = json.loads(
                    arguments or "{}", parse_float=_finite, parse_constant=_no_constant
                )
            except (ValueError, RecursionError) as exc:  # incl. huge integers, deep nesting
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else _reason(exc)
                raise InvalidToolCall(f"{name}: arguments are not valid JSON ({reason})") from exc
        if not isinstance(arguments, Mapping):
            raise InvalidToolCall(f"{name}: arguments must be a JSON object")
        problem = unstorable(dict(arguments))
        if problem is not None:
            raise InvalidToolCall(f"{name}: the arguments {problem}")
        try:
            return self._next_step.validate_python({**arguments, "intent": name})
        except ValidationError as exc:
            raise InvalidToolCall(clip(f"{name}: {_summarize(exc, self._tagged)}")) from exc

    def _missing(self, name: str) -> str:
        for prefix, reason in self._unavailable.items():
            if name.startswith(prefix):
                return f"{name!r} is unavailable: {reason}"
        return f"unknown tool {name!r}; available tools: {', '.join(self._tools)}"


def _finite(text: str) -> float:
    # 1e999 parses as infinity, which JSON cannot store: the call could not be replayed.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: Exception) -> str:
    return "nested too deeply" if isinstance(exc, RecursionError) else clip(str(exc))[:100]


def _summarize(exc: ValidationError, tagged: bool) -> str:
    skip = 1 if tagged else 0
    problems = [
        f"{'.'.join(str(p) for p in err['loc'][skip:]) or 'arguments'}: {err['msg']}"
        for err in exc.errors()[:3]
    ]
    return "; ".join(problems)


def discover() -> ToolRegistry:
    """Import every module of this package and register each `TOOL` found, sorted by name."""
    tools: list[Tool[Any]] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        tool = getattr(module, "TOOL", None)
        if isinstance(tool, Tool):
            tools.append(tool)
    return ToolRegistry(tools)
