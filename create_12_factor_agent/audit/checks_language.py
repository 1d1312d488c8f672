"""Factor 1: the model turns natural language into a tool call, and tests pin that loop down.

Read without running anything: the tool specs must reach the model (a `tools=` argument), and
the project's own tests must drive the function that takes one step. A project whose loop has
no tests passes every other check while nothing would notice a broken decision.
"""

from __future__ import annotations

import ast

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.checks_flow import STEP_CALLS
from create_12_factor_agent.audit.model import Evidence, Finding, failed, passed
from create_12_factor_agent.audit.project import Project
from create_12_factor_agent.audit.scan import ToolScan


def check_natural_language(project: Project, _tools: ToolScan) -> Finding:
    offered = [
        Evidence(module.rel, call.lineno, "offers tool specs to the model")
        for module in project.modules
        for call in module.calls
        if astutil.keyword(call, "tools") is not None
    ]
    if not offered:
        return failed(
            1,
            "no model call is offered the tool specs: the model's answer is free text, not a tool call",
            "pass every tool's JSON schema with the request (tools=...) and parse the call it returns",
        )
    # Module-level functions only: `next_step` is also the name of the model clients' method.
    steps = [
        (module, node)
        for module in project.modules
        for node in module.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in STEP_CALLS
    ]
    tests_dir = project.root / "tests"
    if not tests_dir.is_dir():
        return failed(1, "no tests/ directory", "test the loop: feed step() scripted decisions", offered)
    drivers = [
        Evidence(project.rel(path), None, f"tests {name}()")
        for path in sorted(tests_dir.rglob("test_*.py"))
        for name in _drives(path.read_text(errors="replace"), {func.name for _, func in steps})
    ]
    if not steps or not drivers:
        where = [Evidence(module.rel, func.lineno, f"{func.name}() takes a step") for module, func in steps]
        return failed(
            1,
            "no test drives the loop's step(): a broken decision would go unnoticed",
            "keep tests/test_agent.py: scripted model answers in, the thread's events out",
            [*offered, *where],
        )
    return passed(1, "the model is offered tool specs, and tests drive step()", [*offered[:2], *drivers[:3]])


def _drives(source: str, step_names: set[str]) -> list[str]:
    """The step functions a test module's tests call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    if not any(func.name.startswith("test_") for func in astutil.functions(tree)):
        return []
    # Plain calls only (`step(thread)`): `llm.next_step(...)` is the model, not the loop.
    called = {call.func.id for call in astutil.calls(tree) if isinstance(call.func, ast.Name)}
    return sorted(step_names & called)
