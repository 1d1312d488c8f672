"""Factors 8, 9 and 11: an explicit bounded loop, errors as events with a limit, many triggers."""

from __future__ import annotations

import ast
import re

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.model import Evidence, Finding, failed, passed, warned
from create_12_factor_agent.audit.project import Module, Project
from create_12_factor_agent.audit.scan import ToolScan

STEP_CALLS = {"step", "next_step", "run_step"}
_LIMIT_WORDS = ("max_steps", "step_limit", "max_turns", "max_iterations", "step_cap")
_ERROR_LIMIT = re.compile(r"errors?_?(limit|budget|threshold)|max_?(consecutive_?)?errors", re.IGNORECASE)
ERROR_LIMIT_ADVICE = 5
_WEB_FRAMEWORKS = {"fastapi", "flask", "starlette", "aiohttp", "litestar", "quart", "sanic", "django"}
_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "route", "api_route", "websocket"}
_CHAT_LIBRARIES = {"slack_sdk", "slack_bolt", "discord", "telegram", "twilio"}
_QUEUE_LIBRARIES = {"celery", "rq", "arq", "dramatiq", "apscheduler"}


def check_control_flow(project: Project, _tools: ToolScan) -> Finding:
    """Factor 8: the loop is our code, bounded by a step limit, with one policy table."""
    loops: list[tuple[Module, astutil.FunctionNode]] = [
        (module, func) for module in project.modules for func in module.functions if _loops_over_steps(func)
    ]
    if not loops:
        return failed(
            8,
            "no explicit agent loop calling step()",
            "write the loop yourself: while the thread is running, step(thread), up to max_steps",
        )
    # The limit may sit in a helper the loop calls (e.g. `over_limit(thread, max_steps)`).
    called = {
        node.func.id
        for _, func in loops
        for node in ast.walk(func)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    helpers = [(m, f) for m in project.modules for f in m.functions if f.name in called]
    limits = [
        Evidence(module.rel, node.lineno, f"{func.name}() stops at a step limit")
        for module, func in [*loops, *helpers]
        for node in ast.walk(func)
        if isinstance(node, ast.Compare) and _mentions_limit(node)
    ]
    if not limits:
        where = [Evidence(module.rel, func.lineno, f"{func.name}() loops") for module, func in loops]
        return failed(
            8,
            "the agent loop has no step limit",
            "stop after max_steps (20 at most) and hand the thread to a human",
            where,
        )
    policies = [
        Evidence(module.rel, cls.lineno, f"{cls.name} policy table")
        for module in project.modules
        for cls in module.classes
        if cls.name.endswith("Policy")
    ]
    if not policies:
        return warned(
            8,
            "a bounded loop, but no single policy table for tools",
            "classify every tool in one enum: SYNC / NEEDS_APPROVAL / HUMAN_CONTACT / TERMINAL",
            limits,
        )
    return passed(8, "an explicit loop with a step limit and one policy table", [*limits, *policies])


def _loops_over_steps(func: astutil.FunctionNode) -> bool:
    for node in ast.walk(func):
        is_loop = isinstance(node, ast.While | ast.For | ast.AsyncFor)
        if is_loop and any(astutil.called_name(c) in STEP_CALLS for c in astutil.calls(node)):
            return True
    return False


def _mentions_limit(node: ast.Compare) -> bool:
    return any(word in name.lower() for name in astutil.names_in(node) for word in _LIMIT_WORDS)


def check_errors(project: Project, _tools: ToolScan) -> Finding:
    """Factor 9: failures become error events; consecutive errors are capped, then a human helps."""
    events = [
        Evidence(module.rel, cls.lineno, f"{cls.name} records errors")
        for module in project.modules
        for cls in module.classes
        if cls.name.endswith("ErrorEvent") or _is_error_event(cls)
    ]
    if not events:
        return failed(
            9,
            "no error event: failures never reach the thread, so the model cannot correct itself",
            'add an event type "error" with a short message (no traceback) and append it on failure',
        )
    limits: dict[str, tuple[int, Evidence]] = {}
    for module in project.modules:
        for name, value, stmt in astutil.top_level_assignments(module.tree):
            number = astutil.int_value(value)
            if _ERROR_LIMIT.search(name) and number is not None:
                limits[name] = (number, Evidence(module.rel, stmt.lineno, f"{name} = {number}"))
    uses = [
        Evidence(module.rel, node.lineno, "compares the consecutive-error count")
        for module in project.modules
        for node in module.nodes
        if isinstance(node, ast.Compare) and astutil.names_in(node) & (set(limits) | {"consecutive_errors"})
    ]
    if not limits or not uses:
        return failed(
            9,
            "no consecutive-error limit: a confused model can fail forever",
            "escalate to a human after 3 consecutive errors (ERROR_LIMIT = 3, checked in the loop)",
            [*events, *(e for _, e in limits.values())],
        )
    evidence = [*events, *(e for _, e in limits.values()), *uses]
    highest = max(number for number, _ in limits.values())
    if highest > ERROR_LIMIT_ADVICE:
        return warned(
            9,
            f"the consecutive-error limit is {highest}",
            f"escalate sooner: {ERROR_LIMIT_ADVICE} or fewer errors in a row",
            evidence,
        )
    return passed(9, f"errors are events; {highest} in a row escalate to a human", evidence)


def _is_error_event(cls: ast.ClassDef) -> bool:
    return any(
        astutil.field_name(f) == "type" and "error" in astutil.literal_strings(f.annotation)
        for f in astutil.class_fields(cls)
    )


def check_triggers(project: Project, _tools: ToolScan) -> Finding:
    """Factor 11: more than one way in (CLI, HTTP, webhook, chat, queue)."""
    triggers: dict[str, Evidence] = {}
    cli = _console_script(project)
    if cli is not None:
        triggers["CLI"] = cli
    for module in project.modules:
        imported = {name.split(".")[0] for name, _ in astutil.imports(module.nodes)}
        if imported & _WEB_FRAMEWORKS:
            for kind, where in _web_triggers(module).items():
                triggers.setdefault(kind, where)
        if imported & _CHAT_LIBRARIES:
            triggers.setdefault("chat", Evidence(module.rel, None, "chat integration"))
        if imported & _QUEUE_LIBRARIES:
            triggers.setdefault("queue", Evidence(module.rel, None, "queue or scheduler worker"))
    evidence = list(triggers.values())
    kinds = ", ".join(triggers)
    if not triggers:
        return failed(
            11,
            "no trigger: nothing launches the agent",
            "add a console script ([project.scripts]) and an HTTP endpoint that both call launch()",
        )
    if len(triggers) == 1:
        return warned(
            11,
            f"one trigger only ({kinds})",
            "add another way in, e.g. the HTTP API or a signed webhook, calling the same launch()",
            evidence,
        )
    return passed(11, f"{len(triggers)} triggers: {kinds}", evidence)


def _console_script(project: Project) -> Evidence | None:
    """A [project.scripts] entry whose target module exists, or a `__main__` module."""
    table = project.pyproject.get("project", {})
    scripts = table.get("scripts", {}) if isinstance(table, dict) else {}
    for name, target in scripts.items() if isinstance(scripts, dict) else ():
        module_name = str(target).split(":")[0].strip()
        if project.module(module_name) is not None:
            line = project.pyproject_line(f"{name} =") or project.pyproject_line(str(target))
            return Evidence("pyproject.toml", line, f"console script {name}")
    main = project.module(f"{project.package}.__main__")
    return Evidence(main.rel, None, "python -m entry point") if main else None


def _web_triggers(module: Module) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    for func in module.functions:
        for decorator in func.decorator_list:
            if isinstance(decorator, ast.Call) and astutil.called_name(decorator) in _ROUTE_METHODS:
                found.setdefault("HTTP", Evidence(module.rel, decorator.lineno, f"route {func.name}()"))
    if not found:
        return found
    for call in module.calls:
        texts = [
            arg.value
            for arg in (*call.args, *(kw.value for kw in call.keywords))
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if any("webhook" in text for text in texts):
            found.setdefault("webhook", Evidence(module.rel, call.lineno, "webhook endpoint"))
    return found
