"""`add tool`: drop a new tool module and its test into a project, or refuse and write nothing.

The project's tools package discovers its modules, so adding a tool edits no template-owned file
and `copier update` never conflicts with it.
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.project import NotAProjectError, Project, load_project
from create_12_factor_agent.audit.scan import scan_tools
from create_12_factor_agent.errors import GeneratorError, UsageError
from create_12_factor_agent.toolcode import (
    FIELD_TYPES,
    FieldSpec,
    Import,
    ToolSource,
    render_module,
    render_test,
)

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME_LENGTH = 30  # keeps `intent: Literal["name"] = "name"` on one line; models prefer short names
_NEEDED = {"Intent", "Tool", "Policy"}
# Names the new module defines or imports: a tool class must not shadow them.
_TAKEN_CLASS_NAMES = {"Intent", "Tool", "Policy", "Literal", "Field"}
_RESERVED_FIELDS = {"intent", "copy", "dict", "json", "schema", "schema_json", "construct", "validate"}
DEFAULT_RUFF_LINE_LENGTH = 88


class InvalidToolError(UsageError):
    """The tool name or a field is not usable; nothing was written."""


@dataclass(frozen=True)
class AddedTool:
    root: Path
    name: str
    class_name: str
    policy: str
    files: tuple[str, ...]  # relative to the project root


@dataclass(frozen=True)
class _Layout:
    """Where tools live in this project and how its tool modules import their building blocks."""

    tools_dir: Path
    tools_module: str
    imports: tuple[Import, ...]
    policy_module: str
    line_length: int


def add_tool(
    path: Path,
    name: str,
    *,
    description: str | None = None,
    approval: bool = False,
    fields: Sequence[str] = (),
) -> AddedTool:
    """Write tools/<name>.py and tests/test_tool_<name>.py. Every check runs before any write."""
    project = load_project(path)
    layout = _layout(project)
    specs = parse_fields(fields)
    class_name = "".join(part.capitalize() for part in name.split("_"))
    _check_name(name, class_name, project, layout)
    tool = ToolSource(
        name=name,
        class_name=class_name,
        description=(description or "").strip() or f"{name.replace('_', ' ').capitalize()}.",
        policy="NEEDS_APPROVAL" if approval else "SYNC",
        fields=specs or (FieldSpec("query", "str"),),
        placeholder=not specs,
    )
    module_path = layout.tools_dir / f"{name}.py"
    test_path = project.root / "tests" / f"test_tool_{name}.py"
    module_text = render_module(tool, layout.imports, layout.line_length)
    test_text = render_test(
        tool,
        policy_module=layout.policy_module,
        tools_module=layout.tools_module,
        tool_module=f"{layout.tools_module}.{name}",
        limit=layout.line_length,
    )
    _write_all([(module_path, module_text), (test_path, test_text)])
    files = tuple(project.rel(p) for p in (module_path, test_path))
    return AddedTool(project.root, name, class_name, tool.policy, files)


def parse_fields(specs: Sequence[str]) -> tuple[FieldSpec, ...]:
    """`NAME[:TYPE]` options (TYPE defaults to str) into field specs, refusing unusable names."""
    parsed: list[FieldSpec] = []
    for spec in specs:
        field_name, _, field_type = spec.partition(":")
        field_name, field_type = field_name.strip(), field_type.strip() or "str"
        if field_type not in FIELD_TYPES:
            choices = ", ".join(FIELD_TYPES)
            raise InvalidToolError(f"unknown type {field_type!r} in --field {spec!r}: use {choices}")
        if not _SNAKE.match(field_name) or keyword.iskeyword(field_name):
            raise InvalidToolError(f"invalid field name {field_name!r}: use a snake_case identifier")
        if field_name in _RESERVED_FIELDS or field_name.startswith("model_"):
            raise InvalidToolError(f"field name {field_name!r} is reserved by pydantic or the tool model")
        if any(existing.name == field_name for existing in parsed):
            raise InvalidToolError(f"field {field_name!r} is given twice")
        parsed.append(FieldSpec(field_name, field_type))
    return tuple(parsed)


def _layout(project: Project) -> _Layout:
    tools_module = f"{project.package}.tools"
    registry = project.module(tools_module)
    where = project.rel(project.package_dir / "tools")
    if registry is None:
        raise NotAProjectError(
            f"no tools package at {where}/: `add tool` works on projects made by create-12-factor-agent"
        )
    discovers = {astutil.called_name(c) for c in registry.calls} & {
        "iter_modules",
        "walk_packages",
    }
    defines = {f.name for f in registry.functions}
    if not discovers or "discover" not in defines:
        raise NotAProjectError(
            f"{where}/__init__.py does not discover tool modules, so a new module would never be offered"
        )
    imports = _reference_imports(project, tools_module)
    if imports is None:
        raise NotAProjectError(
            f"no tool module in {where}/ registers a tool with Tool(model=..., policy=...)"
        )
    policy_import = next(i for i in imports if "Policy" in i.names)
    members = _policy_members(project)
    if not {"SYNC", "NEEDS_APPROVAL"} <= members:
        raise NotAProjectError("no Policy enum with SYNC and NEEDS_APPROVAL members")
    ruff = project.pyproject.get("tool", {}).get("ruff", {})
    line_length = ruff.get("line-length", DEFAULT_RUFF_LINE_LENGTH) if isinstance(ruff, dict) else 0
    return _Layout(
        tools_dir=project.package_dir / "tools",
        tools_module=tools_module,
        imports=imports,
        policy_module=_absolute(policy_import, tools_module),
        line_length=line_length if isinstance(line_length, int) else DEFAULT_RUFF_LINE_LENGTH,
    )


def _reference_imports(project: Project, tools_module: str) -> tuple[Import, ...] | None:
    """The imports of Intent, Tool and Policy in an existing tool module, for the new one to copy."""
    for module in project.modules:
        parent, _, leaf = module.name.rpartition(".")
        if parent != tools_module or leaf.startswith("_"):
            continue
        if not any(astutil.called_name(c) == "Tool" for c in module.calls):
            continue
        found: list[Import] = []
        for stmt in module.tree.body:
            if isinstance(stmt, ast.ImportFrom):
                names = tuple(a.name for a in stmt.names if a.name in _NEEDED and a.asname is None)
                if names:
                    found.append(Import(stmt.module or "", names, stmt.level))
        if {n for i in found for n in i.names} == _NEEDED:
            return tuple(found)
    return None


def _absolute(item: Import, tools_module: str) -> str:
    """The absolute module an import in a tools/ module refers to."""
    if not item.level:
        return item.module
    parts = tools_module.split(".")
    base = ".".join(parts[: len(parts) - (item.level - 1)])
    return f"{base}.{item.module}" if item.module else base


def _policy_members(project: Project) -> set[str]:
    for module in project.modules:
        for cls in module.classes:
            if cls.name == "Policy":
                targets = (t for stmt in cls.body if isinstance(stmt, ast.Assign) for t in stmt.targets)
                return {t.id for t in targets if isinstance(t, ast.Name)}
    return set()


def _check_name(name: str, class_name: str, project: Project, layout: _Layout) -> None:
    if not _SNAKE.match(name):
        raise InvalidToolError(
            f"invalid tool name {name!r}: use snake_case (lowercase letters, digits and _,"
            " starting with a letter), e.g. lookup_order"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidToolError(f"tool name {name!r} is too long: use at most {MAX_NAME_LENGTH} characters")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise InvalidToolError(f"invalid tool name {name!r}: it is a Python keyword")
    # Importing tools/NAME.py binds NAME in the tools package's namespace: a name that package (or
    # anything it imports by that name) already uses would be replaced by the tool module.
    if name in sys.stdlib_module_names:
        raise InvalidToolError(f"invalid tool name {name!r}: it shadows the standard library module")
    if name in _package_globals(layout.tools_dir / "__init__.py"):
        raise InvalidToolError(f"invalid tool name {name!r}: the tools package already defines {name!r}")
    tools = scan_tools(project)
    for model in tools.models:
        if model.intent == name:
            raise InvalidToolError(f"a tool named {name!r} already exists ({model.evidence.location})")
        if model.class_name == class_name:
            raise InvalidToolError(f"the class name {class_name} is taken ({model.evidence.location})")
    if class_name in _TAKEN_CLASS_NAMES:
        raise InvalidToolError(f"invalid tool name {name!r}: its class {class_name} would shadow an import")
    for existing in (layout.tools_dir / f"{name}.py", layout.tools_dir / name):
        if existing.exists():
            raise InvalidToolError(f"{project.rel(existing)} already exists")
    test_file = project.root / "tests" / f"test_tool_{name}.py"
    if test_file.exists():
        raise InvalidToolError(f"{project.rel(test_file)} already exists")
    for module in project.modules:
        for call in module.calls:
            first = call.args[0] if call.args else None
            if (
                astutil.called_name(call) == "Prefetch"
                and isinstance(first, ast.Constant)
                and first.value == name
            ):
                where = f"{module.rel}:{call.lineno}"
                raise InvalidToolError(
                    f"{name!r} is pre-fetched ({where}): a tool of that name is never offered"
                )


def _package_globals(init_file: Path) -> set[str]:
    """Every name bound at the top level of a module: imports, definitions, assignments."""
    try:
        tree = ast.parse(init_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set()
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in stmt.names)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        else:
            names.update(node.id for node in ast.walk(stmt) if isinstance(node, ast.Name))
    return names


def _write_all(outputs: Sequence[tuple[Path, str]]) -> None:
    """Create every file or none: a failure part-way removes what was already written."""
    written: list[Path] = []
    try:
        for path, text in outputs:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as handle:
                written.append(path)
                handle.write(text)
    except BaseException as exc:
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise GeneratorError(f"cannot write {exc.filename}: {exc.strerror}") from exc
        raise
