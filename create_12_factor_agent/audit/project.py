"""Find and parse a project: its root, its package and every module's syntax tree (never run)."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from create_12_factor_agent.audit.model import Evidence
from create_12_factor_agent.errors import UsageError

_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".venv", "node_modules"}


class NotAProjectError(UsageError):
    """PATH is not a Python agent project we can audit or add to."""


@dataclass(frozen=True)
class Module:
    rel: str  # path relative to the project root, posix
    name: str  # dotted import name
    tree: ast.Module

    # Every check scans every module: walk each tree once and keep the nodes by kind.
    @cached_property
    def nodes(self) -> tuple[ast.AST, ...]:
        return tuple(ast.walk(self.tree))

    @cached_property
    def functions(self) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]:
        return tuple(n for n in self.nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))

    @cached_property
    def classes(self) -> tuple[ast.ClassDef, ...]:
        return tuple(n for n in self.nodes if isinstance(n, ast.ClassDef))

    @cached_property
    def calls(self) -> tuple[ast.Call, ...]:
        return tuple(n for n in self.nodes if isinstance(n, ast.Call))


@dataclass(frozen=True)
class Project:
    root: Path
    package: str
    package_dir: Path
    pyproject: dict[str, Any]
    pyproject_lines: tuple[str, ...]
    modules: tuple[Module, ...]
    unparsable: tuple[Evidence, ...]

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def module(self, dotted: str) -> Module | None:
        return next((m for m in self.modules if m.name == dotted), None)

    def pyproject_line(self, needle: str) -> int | None:
        """The first line of pyproject.toml containing `needle` (TOML parsers keep no positions)."""
        return next((i for i, line in enumerate(self.pyproject_lines, 1) if needle in line), None)


def load_project(path: Path) -> Project:
    """Read the project at `path`; raise NotAProjectError (exit 2) when it is not one."""
    root = path.expanduser().absolute()
    if not root.is_dir():
        raise NotAProjectError(f"{path} is not a directory")
    pyproject_file = root / "pyproject.toml"
    if not pyproject_file.is_file():
        raise NotAProjectError(f"{path} is not a Python project: it has no pyproject.toml")
    text = pyproject_file.read_text(encoding="utf-8")
    try:
        pyproject = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NotAProjectError(f"{path}/pyproject.toml is not valid TOML: {exc}") from None
    package_dir = _find_package(root, pyproject)
    if package_dir is None:
        raise NotAProjectError(
            f"{path} is not an agent project: no Python package found in src/",
            hint="run this in a project made by create-12-factor-agent, or pass its path",
        )
    modules, unparsable = _parse_modules(root, package_dir)
    return Project(
        root=root,
        package=package_dir.name,
        package_dir=package_dir,
        pyproject=pyproject,
        pyproject_lines=tuple(text.splitlines()),
        modules=modules,
        unparsable=unparsable,
    )


def _find_package(root: Path, pyproject: dict[str, Any]) -> Path | None:
    """The import package: named by the answers file, a console script, or the only one in src/."""
    candidates: list[str] = []
    answers = _read_answers(root / ".copier-answers.yml")
    if isinstance(answers.get("package_name"), str):
        candidates.append(answers["package_name"])
    project = pyproject.get("project")
    scripts = project.get("scripts", {}) if isinstance(project, dict) else {}
    if isinstance(scripts, dict):
        candidates += [str(target).split(".")[0].split(":")[0] for target in scripts.values()]
    for name in candidates:
        for base in (root / "src", root):
            if name.isidentifier() and (base / name / "__init__.py").is_file():
                return base / name
    src = root / "src"
    found = sorted(p.parent for p in src.glob("*/__init__.py")) if src.is_dir() else []
    return found[0] if len(found) == 1 else None


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _parse_modules(root: Path, package_dir: Path) -> tuple[tuple[Module, ...], tuple[Evidence, ...]]:
    modules: list[Module] = []
    unparsable: list[Evidence] = []
    base = package_dir.parent
    for file in sorted(package_dir.rglob("*.py")):
        if _SKIP_DIRS.intersection(file.relative_to(package_dir).parts):
            continue
        rel = file.relative_to(root).as_posix()
        parts = list(file.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=rel)
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            line = exc.lineno if isinstance(exc, SyntaxError) else None
            unparsable.append(Evidence(rel, line, f"cannot parse: {type(exc).__name__}"))
            continue
        modules.append(Module(rel=rel, name=".".join(parts), tree=tree))
    return tuple(modules), tuple(unparsable)
