"""Small, read-only helpers over Python syntax trees."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def functions(tree: ast.AST) -> Iterator[FunctionNode]:
    """Every function and method, nested ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def classes(tree: ast.AST) -> Iterator[ast.ClassDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            yield node


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def last_name(node: ast.AST) -> str | None:
    """`x` for `x`, `a.b.x` and `a.b.x[...]`; None for anything else."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def called_name(call: ast.Call) -> str | None:
    return last_name(call.func)


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def names_in(node: ast.AST) -> set[str]:
    """Every identifier (names and attribute names) used inside an expression."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def literal_strings(annotation: ast.expr) -> list[str]:
    """The values of `Literal["a", "b"]` (also `typing.Literal`); empty for other annotations."""
    if not (isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Literal"):
        return []
    inner = annotation.slice
    items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
    return [item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)]


def class_fields(cls: ast.ClassDef) -> Iterator[ast.AnnAssign]:
    """Annotated attributes in a class body (pydantic fields and dataclass fields)."""
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            yield stmt


def field_name(stmt: ast.AnnAssign) -> str:
    return stmt.target.id if isinstance(stmt.target, ast.Name) else ast.unparse(stmt.target)


def decorator_names(func: FunctionNode | ast.ClassDef) -> set[str]:
    return {
        name for d in func.decorator_list if (name := last_name(d.func if isinstance(d, ast.Call) else d))
    }


def docstring_ids(nodes: Iterable[ast.AST]) -> set[int]:
    """ids of the string nodes that are docstrings of the module, its classes and functions."""
    found: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def string_constants(nodes: Sequence[ast.AST], *, docstrings: bool = False) -> Iterator[tuple[str, int]]:
    """(text, line) of every string literal among `nodes`; docstrings only when asked for."""
    skip = set() if docstrings else docstring_ids(nodes)
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.value, node.lineno


def imports(nodes: Iterable[ast.AST]) -> Iterator[tuple[str, ast.stmt]]:
    """(absolute module name, statement) for every import; relative imports are skipped."""
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, node


def top_level_assignments(tree: ast.Module) -> Iterator[tuple[str, ast.expr | None, ast.stmt]]:
    """(name, value, statement) for each module-level `name = ...` / `name: T = ...`."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        yield sub.id, stmt.value, stmt
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            yield stmt.target.id, stmt.value, stmt


def int_value(node: ast.expr | None) -> int | None:
    """An int literal, or the `default=` of a `Field(...)` call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Call) and called_name(node) == "Field":
        default = keyword(node, "default")
        return int_value(default if default is not None else (node.args[0] if node.args else None))
    return None
