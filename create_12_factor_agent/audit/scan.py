"""Find the tools of a project statically: models with `intent: Literal[...]` and their registrations."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.model import Evidence
from create_12_factor_agent.audit.project import Module, Project


@dataclass(frozen=True)
class ToolModel:
    intent: str
    class_name: str
    module: Module
    node: ast.ClassDef

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.module.rel, self.node.lineno, f"{self.class_name} ({self.intent})")


@dataclass(frozen=True)
class Registration:
    """`Tool(model=X, policy=Policy.Y, ...)`: a model put on offer with its policy."""

    model: str
    policy: str | None
    module: Module
    line: int


@dataclass(frozen=True)
class ToolScan:
    models: tuple[ToolModel, ...]
    registrations: tuple[Registration, ...]
    union_members: frozenset[str]  # class names in a module-level `A | B` or `Union[A, B]`

    @property
    def intents(self) -> set[str]:
        return {model.intent for model in self.models}

    def registration(self, model: ToolModel) -> Registration | None:
        return next((r for r in self.registrations if r.model == model.class_name), None)

    def is_offered(self, model: ToolModel) -> bool:
        return self.registration(model) is not None or model.class_name in self.union_members

    def with_policy(self, policy: str) -> list[ToolModel]:
        return [m for m in self.models if (r := self.registration(m)) and r.policy == policy]


def scan_tools(project: Project) -> ToolScan:
    models: list[ToolModel] = []
    registrations: list[Registration] = []
    members: set[str] = set()
    for module in project.modules:
        models += _tool_models(module)
        registrations += _registrations(module)
        members |= _union_members(module.tree)
    return ToolScan(tuple(models), tuple(registrations), frozenset(members))


def _tool_models(module: Module) -> list[ToolModel]:
    found: list[ToolModel] = []
    for cls in module.classes:
        for stmt in astutil.class_fields(cls):
            values = astutil.literal_strings(stmt.annotation)
            if astutil.field_name(stmt) == "intent" and len(values) == 1:
                found.append(ToolModel(values[0], cls.name, module, cls))
    return found


def _registrations(module: Module) -> list[Registration]:
    found: list[Registration] = []
    for call in module.calls:
        if astutil.called_name(call) != "Tool":
            continue
        model = astutil.keyword(call, "model") or (call.args[0] if call.args else None)
        policy = astutil.keyword(call, "policy") or (call.args[1] if len(call.args) > 1 else None)
        model_name = astutil.last_name(model) if model is not None else None
        if model_name:
            policy_name = astutil.last_name(policy) if policy is not None else None
            found.append(Registration(model_name, policy_name, module, call.lineno))
    return found


def _union_members(tree: ast.Module) -> set[str]:
    members: set[str] = set()
    for _name, value, _stmt in astutil.top_level_assignments(tree):
        if value is None:
            continue
        is_union = any(
            (isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr))
            or (isinstance(n, ast.Subscript) and astutil.last_name(n.value) == "Union")
            for n in ast.walk(value)
        )
        if is_union:
            members |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return members
