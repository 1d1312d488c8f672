"""Factors 5, 6 and 12: the thread is the state, it can be launched and resumed, no hidden state."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.model import Evidence, Finding, failed, passed, warned
from create_12_factor_agent.audit.project import Project
from create_12_factor_agent.audit.scan import ToolScan

# Execution state that belongs in events, not in fields beside them.
STORED_STATE = {
    "status", "state", "step", "steps", "step_count", "current_step", "error_count",
    "errors_count", "consecutive_errors", "retries", "retry_count", "waiting",
}  # fmt: skip
_PROPERTY_DECORATORS = {"property", "cached_property", "computed_field"}
LAUNCH_NAMES = {"launch", "launch_thread", "start_thread", "create_thread"}
RESUME_NAMES = {"respond", "resume", "resume_thread", "reply", "approve"}
_MUTABLE_CALLS = {
    "list", "dict", "set", "bytearray", "defaultdict", "deque", "Counter", "OrderedDict",
    "WeakKeyDictionary", "WeakValueDictionary",
}  # fmt: skip
_MUTATING_METHODS = {
    "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault",
    "add", "discard", "appendleft", "extendleft", "popleft",
}  # fmt: skip
_MUTABLE_NODES = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def check_thread_state(project: Project, _tools: ToolScan) -> Finding:
    """Factor 5: a Thread of events is the state; status and counters are derived from it."""
    threads = [
        (module, cls)
        for module in project.modules
        for cls in module.classes
        if cls.name.endswith("Thread")
        and any(astutil.field_name(f) == "events" for f in astutil.class_fields(cls))
    ]
    if not threads:
        return failed(
            5,
            "no Thread model holding the events: execution state lives somewhere else",
            "keep one Thread(id, events) and derive everything else from its events",
        )
    stored = [
        Evidence(module.rel, f.lineno, f"{cls.name}.{astutil.field_name(f)} is stored")
        for module, cls in threads
        for f in astutil.class_fields(cls)
        if astutil.field_name(f) in STORED_STATE
    ]
    if stored:
        return failed(
            5,
            "the thread stores execution state beside its events",
            "compute it from the events in a @property instead of storing it",
            stored,
        )
    derived = [
        Evidence(module.rel, func.lineno, f"{cls.name}.status is derived from events")
        for module, cls in threads
        for func in cls.body
        if isinstance(func, ast.FunctionDef)
        and func.name == "status"
        and astutil.decorator_names(func) & _PROPERTY_DECORATORS
    ]
    found = [Evidence(module.rel, cls.lineno, f"{cls.name}(events)") for module, cls in threads]
    if not derived:
        return warned(
            5, "the Thread has no derived status", "add a status property computed from the events", found
        )
    return passed(5, "the thread's events are the state; status is derived", [*found, *derived])


def check_entry_points(project: Project, _tools: ToolScan) -> Finding:
    """Factor 6: simple launch and resume calls over a persistent store."""
    launch = _defs_named(project, LAUNCH_NAMES)
    resume = _defs_named(project, RESUME_NAMES)
    stores = [
        Evidence(module.rel, cls.lineno, cls.name)
        for module in project.modules
        for cls in module.classes
        if cls.name.endswith("Store")
    ]
    if not launch or not resume:
        missing = " and ".join(what for what, found in (("launch", launch), ("resume", resume)) if not found)
        return failed(
            6,
            f"no {missing} entry point",
            "give the agent launch(trigger) and respond(thread_id, answer) calls (service.py)",
            [*launch, *resume],
        )
    evidence = [*launch, *resume, *stores]
    if not stores:
        return warned(
            6,
            "launch and resume exist, but threads are not persisted",
            "save threads in a store keyed by id so another process can resume them",
            evidence,
        )
    return passed(6, "threads are launched, paused and resumed by id from a store", evidence)


def _defs_named(project: Project, names: set[str]) -> list[Evidence]:
    return [
        Evidence(module.rel, func.lineno, f"{func.name}()")
        for module in project.modules
        for func in module.functions
        if func.name in names
    ]


def check_reducer(project: Project, _tools: ToolScan) -> Finding:
    """Factor 12: no module-level state that changes, no globals; `step` returns a new thread."""
    hidden: list[Evidence] = []
    for module in project.modules:
        mutated = _mutated_names(module.nodes)
        for name, value, stmt in astutil.top_level_assignments(module.tree):
            # A constant lookup table is fine; a module-level container that code changes is state.
            if _is_mutable(value) and name in mutated:
                hidden.append(
                    Evidence(module.rel, stmt.lineno, f"module-level {name} is changed at run time")
                )
        hidden += [
            Evidence(module.rel, node.lineno, f"global {', '.join(node.names)}")
            for node in module.nodes
            if isinstance(node, ast.Global)
        ]
    if hidden:
        return failed(
            12,
            "state outside the thread: " + ", ".join(e.note for e in hidden[:2]),
            "keep state in the thread (or pass it in): module globals differ between processes",
            hidden,
        )
    steps = _defs_named(project, {"step"})
    if not steps:
        return warned(
            12,
            "no step(thread) reducer found",
            "make one decision a function step(thread, llm, tools) -> Thread that returns a new thread",
        )
    return passed(12, "no module-level state that changes; step() returns a new thread", steps)


def _mutated_names(nodes: Iterable[ast.AST]) -> set[str]:
    """Names changed in place anywhere in the module: `x.append(...)`, `x[k] = v`, `x += ...`."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and node.func.attr in _MUTATING_METHODS:
                names.add(owner.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            if isinstance(node.value, ast.Name):
                names.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _is_mutable(value: ast.expr | None) -> bool:
    if isinstance(value, _MUTABLE_NODES):
        return True
    return isinstance(value, ast.Call) and astutil.called_name(value) in _MUTABLE_CALLS
