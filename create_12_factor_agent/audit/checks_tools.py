"""Factors 4, 7 and 10: typed tool models in one union, human-contact tools, a small agent."""

from __future__ import annotations

import ast
from collections import Counter

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.checks_prompts import prompt_files
from create_12_factor_agent.audit.mcp import McpTools, count_mcp_tools
from create_12_factor_agent.audit.model import Evidence, Finding, failed, passed, warned
from create_12_factor_agent.audit.project import Project
from create_12_factor_agent.audit.scan import ToolModel, ToolScan

# Argument types that let the model send anything: the schema then checks nothing.
LOOSE_TYPES = {"Any", "dict", "Dict", "Mapping", "MutableMapping", "object", "JsonValue", "Json"}
HUMAN_INTENTS = {"request_more_information", "request_human_input", "ask_human", "contact_human"}
DONE_INTENTS = {"done_for_now", "final_answer", "finish"}
TOOL_LIMIT = 12
PROMPT_CHAR_LIMIT = 6_000
STEP_CAP_LIMIT = 20


def check_tools(project: Project, tools: ToolScan) -> Finding:
    """Factor 4: every tool is a typed model in the union; no free-form arguments."""
    if not tools.models:
        return failed(
            4,
            "no tool models: no class declares `intent: Literal[...]`",
            'define each tool as a pydantic model with intent: Literal["name"] and typed fields',
        )
    problems: list[Evidence] = []
    for model in tools.models:
        if not tools.is_offered(model):
            problems.append(
                Evidence(model.module.rel, model.node.lineno, f"{model.class_name} is not registered")
            )
        problems += _loose_fields(model)
    counts = Counter(model.intent for model in tools.models)
    problems += [m.evidence for m in tools.models if counts[m.intent] > 1]
    if problems:
        notes = "; ".join(dict.fromkeys(e.note for e in problems))
        return failed(
            4,
            f"tool models that are not typed or not in the union: {notes}",
            "give every tool field a concrete type and register each model: TOOL = Tool(model=..., ...)",
            problems,
        )
    union = [
        Evidence(module.rel, call.lineno, "discriminated union on intent")
        for module in project.modules
        for call in module.calls
        if _is_intent_discriminator(astutil.keyword(call, "discriminator"))
    ]
    models = [model.evidence for model in tools.models]
    if not union:
        return warned(
            4,
            f"{len(models)} typed tool models, but calls are not parsed by a union on `intent`",
            'parse calls with TypeAdapter(Annotated[A | B, Field(discriminator="intent")])',
            models,
        )
    return passed(4, f"{len(models)} typed tool models in a discriminated union on intent", [*union, *models])


def _loose_fields(model: ToolModel) -> list[Evidence]:
    return [
        Evidence(
            model.module.rel,
            stmt.lineno,
            f"{model.class_name}.{astutil.field_name(stmt)}: {ast.unparse(stmt.annotation)}",
        )
        for stmt in astutil.class_fields(model.node)
        if astutil.names_in(stmt.annotation) & LOOSE_TYPES
    ]


def _is_intent_discriminator(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value == "intent"


def check_human_contact(_project: Project, tools: ToolScan) -> Finding:
    """Factor 7: asking a human and finishing are tool calls, not prose."""
    human = _unique([*tools.with_policy("HUMAN_CONTACT"), *_named(tools, HUMAN_INTENTS)])
    done = _unique([*tools.with_policy("TERMINAL"), *_named(tools, DONE_INTENTS)])
    approval = tools.with_policy("NEEDS_APPROVAL")
    evidence = [m.evidence for m in (*human, *done, *approval)]
    if not human:
        return failed(
            7,
            "no tool contacts a human: the model can only guess or answer in prose",
            "add a request_more_information tool with policy HUMAN_CONTACT",
            evidence,
        )
    if not done:
        return warned(
            7,
            "no terminal tool: the agent cannot finish through a tool call",
            "add a done_for_now tool with policy TERMINAL",
            evidence,
        )
    parts = [f"ask: {_intents(human)}", f"finish: {_intents(done)}"]
    if approval:
        parts.append(f"approval: {_intents(approval)}")
    return passed(7, "human contact is a tool call (" + "; ".join(parts) + ")", evidence)


def _named(tools: ToolScan, names: set[str]) -> list[ToolModel]:
    return [model for model in tools.models if model.intent in names]


def _unique(models: list[ToolModel]) -> list[ToolModel]:
    return list({model.class_name: model for model in models}.values())


def _intents(models: list[ToolModel]) -> str:
    return ", ".join(model.intent for model in models)


def check_focus(project: Project, tools: ToolScan) -> Finding:
    """Factor 10: few tools, a short prompt and a low step cap keep the agent focused."""
    offered = [model for model in tools.models if tools.is_offered(model)]
    mcp = count_mcp_tools(project)
    total = len(offered) + (mcp.listed if mcp else 0)
    prompts = prompt_files(project)
    prompt_chars = sum(len(f.read_text(encoding="utf-8", errors="replace")) for f in prompts)
    caps = _step_caps(project)
    cap = max((value for value, _ in caps), default=None)
    evidence = [*(e for _, e in caps), *(Evidence(project.rel(f), None, "prompt file") for f in prompts)]
    if mcp:
        evidence.append(mcp.file)
    too_big: list[tuple[str, str]] = []
    if total > TOOL_LIMIT:
        too_big.append((f"{_tool_count(total, mcp)} (> {TOOL_LIMIT})", "split the work into smaller agents"))
    if mcp and mcp.unbounded:
        servers = ", ".join(mcp.unbounded)
        too_big.append(
            (f"MCP servers offering every tool they list ({servers})", 'give each a "tools" allow-list')
        )
    if prompt_chars > PROMPT_CHAR_LIMIT:
        too_big.append(
            (f"prompts of {prompt_chars:,} characters (> {PROMPT_CHAR_LIMIT:,})", "trim the prompt")
        )
    if cap is not None and cap > STEP_CAP_LIMIT:
        too_big.append((f"a step cap of {cap} (> {STEP_CAP_LIMIT})", f"cap steps at {STEP_CAP_LIMIT}"))
    if too_big:
        summary = "the agent is growing: " + ", ".join(what for what, _ in too_big)
        fix = "; ".join(fix for _, fix in too_big) + " (small agents stay reliable)"
        if total > TOOL_LIMIT:
            evidence = [m.evidence for m in offered] + evidence
        return warned(10, summary, fix, evidence)
    cap_text = f", step cap {cap}" if cap is not None else ""
    summary = f"{_tool_count(total, mcp)}, {prompt_chars:,} prompt characters{cap_text}"
    return passed(10, summary, evidence)


def _tool_count(total: int, mcp: McpTools | None) -> str:
    return f"{total} tools ({mcp.listed} from MCP servers)" if mcp else f"{total} tools"


def _step_caps(project: Project) -> list[tuple[int, Evidence]]:
    """Integer defaults of anything named like max_steps (constants, settings fields)."""
    caps: list[tuple[int, Evidence]] = []
    for module in project.modules:
        for node in module.nodes:
            targets: list[ast.expr]
            if isinstance(node, ast.AnnAssign):
                targets, value = [node.target], node.value
            elif isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            else:
                continue
            number = astutil.int_value(value)
            names = [name for target in targets if (name := astutil.last_name(target))]
            for name in names:
                if "max_steps" in name.lower() and number is not None:
                    caps.append((number, Evidence(module.rel, node.lineno, f"{name} = {number}")))
    return caps
