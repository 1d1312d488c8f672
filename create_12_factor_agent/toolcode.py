"""Render the source of a new tool module and its test, already ruff-formatted and lint-clean."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from string import Template

FIELD_TYPES = {"str": '"example"', "int": "3", "float": "2.5", "bool": "True"}
PLACEHOLDER_DESCRIPTION = "What the tool acts on (replace with the arguments it needs)."


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # a key of FIELD_TYPES

    @property
    def example(self) -> str:
        return FIELD_TYPES[self.type]


@dataclass(frozen=True)
class Import:
    """`from <module> import <names>`; `level` counts the leading dots of a relative import."""

    module: str
    names: tuple[str, ...]
    level: int = 0

    def render(self, limit: int) -> str:
        head = f"from {'.' * self.level}{self.module} import "
        if not self.names:
            return f"import {self.module}"
        names = _sort_names(self.names)
        one_line = head + ", ".join(names)
        return one_line if len(one_line) <= limit else fit(head + "(", names, ")", limit)


@dataclass(frozen=True)
class ToolSource:
    name: str
    class_name: str
    description: str
    policy: str  # the Policy member, e.g. SYNC or NEEDS_APPROVAL
    fields: tuple[FieldSpec, ...]
    placeholder: bool  # one placeholder field, described for the model


def fit(head: str, items: Sequence[str], close: str, limit: int, indent: str = "") -> str:
    """`head` + items + `close` on one line when it fits, else one item per line with a trailing
    comma (the magic trailing comma keeps ruff format from joining the lines again)."""
    one_line = f"{indent}{head}{', '.join(items)}{close}"
    if len(one_line) <= limit:
        return one_line
    body = "".join(f"{indent}    {item},\n" for item in items)
    return f"{indent}{head}\n{body}{indent}{close}"


def _sort_names(names: Sequence[str]) -> list[str]:
    """isort's order-by-type, as ruff applies it: CONSTANTS, Classes, then everything else."""

    def kind(name: str) -> int:
        if name.isupper() and len(name) > 1:
            return 0
        return 1 if name[:1].isupper() else 2

    return sorted(set(names), key=lambda name: (kind(name), name))


def render_module(tool: ToolSource, imports: Sequence[Import], limit: int) -> str:
    third_party = [Import("pydantic", ("Field",))] if tool.placeholder else []
    import_groups = [[Import("typing", ("Literal",))], third_party, *_split_local(imports)]
    fields = [_field_line(tool, spec, limit) for spec in tool.fields]
    echo = [f'"{spec.name}": call.{spec.name}' for spec in tool.fields]
    registration = fit(
        "TOOL = Tool(",
        [f"model={tool.class_name}", f"policy=Policy.{tool.policy}", "handler=handle"],
        ")",
        limit,
    )
    comment = "# A human approves every call before it runs.\n" if tool.policy == "NEEDS_APPROVAL" else ""
    return _template("tool_module.py.tmpl").substitute(
        name=tool.name,
        imports=_render_groups(import_groups, limit),
        class_name=tool.class_name,
        docstring=docstring(tool.description, indent="    ", limit=limit),
        fields="\n".join(fields),
        result_type=f"dict[str, {' | '.join(dict.fromkeys(spec.type for spec in tool.fields))}]",
        return_statement=fit("return {", echo, "}", limit, indent="    ").lstrip(),
        policy_comment=comment,
        registration=registration,
    )


def render_test(
    tool: ToolSource, *, policy_module: str, tools_module: str, tool_module: str, limit: int
) -> str:
    """The new tool's tests, importing Policy, discover() and the tool by absolute module name."""
    first_party = _merge(
        [
            Import(policy_module, ("Policy",)),
            Import(tools_module, ("discover",)),
            Import(tool_module, (tool.class_name, "handle")),
        ]
    )
    third_party = [Import("pytest", ()), Import("pydantic", ("ValidationError",))]
    arguments = [f'"{spec.name}": {spec.example}' for spec in tool.fields]
    keywords = [f"{spec.name}={spec.example}" for spec in tool.fields]
    return _template("tool_test.py.tmpl").substitute(
        name=tool.name,
        imports=_render_groups([third_party, first_party], limit),
        policy=tool.policy,
        class_name=tool.class_name,
        arguments=fit("arguments = {", arguments, "}", limit, "    ").lstrip(),
        example_call=fit(f"call = {tool.class_name}(", keywords, ")", limit, "    ").lstrip(),
        handler_assert=fit("assert handle(call) == {", arguments, "}", limit, "    ").lstrip(),
    )


def docstring(text: str, *, indent: str, limit: int) -> str:
    """A docstring wrapped to the line limit, escaped so nothing in it can end it early, and
    shaped the way ruff format leaves it."""
    safe = " ".join(text.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if safe.endswith('"') and _trailing_backslashes(safe[:-1]) % 2 == 0:
        safe = safe[:-1] + '\\"'
    if safe.startswith('"'):
        safe = " " + safe  # ruff format separates a leading quote from the opening quotes
    width = max(20, limit - len(indent) - 6)
    # textwrap keeps the leading space of the first line, which is what ruff wants here.
    lines = textwrap.wrap(safe, width=width, break_long_words=False, break_on_hyphens=False) or [""]
    joined = f"\n{indent}".join(lines)
    return f'"""{joined}"""'


def _trailing_backslashes(text: str) -> int:
    return len(text) - len(text.rstrip("\\"))


def _field_line(tool: ToolSource, spec: FieldSpec, limit: int) -> str:
    if not tool.placeholder:
        return f"    {spec.name}: {spec.type}"
    described = [f'description="{PLACEHOLDER_DESCRIPTION}"']
    return fit(f"{spec.name}: {spec.type} = Field(", described, ")", limit, "    ")


def _split_local(imports: Sequence[Import]) -> list[list[Import]]:
    """First-party (absolute) imports, then relative ones, furthest first (ruff's isort order)."""
    absolute = sorted((i for i in imports if not i.level), key=lambda i: i.module)
    relative = sorted((i for i in imports if i.level), key=lambda i: (-i.level, i.module))
    return [absolute, relative]


def _merge(imports: Sequence[Import]) -> list[Import]:
    merged: dict[str, set[str]] = {}
    for item in imports:
        merged.setdefault(item.module, set()).update(item.names)
    return [Import(module, tuple(names)) for module, names in sorted(merged.items())]


def _render_groups(groups: Sequence[Sequence[Import]], limit: int) -> str:
    """Import sections separated by one blank line; empty sections are left out."""
    sections = ["\n".join(item.render(limit) for item in group) for group in groups if group]
    return "\n\n".join(sections)


def _template(name: str) -> Template:
    return Template(files("create_12_factor_agent").joinpath("snippets", name).read_text(encoding="utf-8"))
