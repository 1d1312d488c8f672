"""Factors 2, 3 and 13: prompts in files, context rendered by our own code, pre-fetched data."""

from __future__ import annotations

import re
from pathlib import Path

from create_12_factor_agent.audit import astutil
from create_12_factor_agent.audit.model import Evidence, Finding, failed, passed, warned
from create_12_factor_agent.audit.project import Project
from create_12_factor_agent.audit.scan import ToolScan

PROMPT_SUFFIXES = {".md", ".txt", ".j2", ".jinja", ".jinja2", ".prompt", ".tmpl", ".mustache"}
# Frameworks that build the model's context (message history, memory) out of sight of your code.
FRAMEWORKS = {
    "agno", "autogen", "crewai", "haystack", "langchain", "langchain_core", "langgraph",
    "llama_index", "semantic_kernel", "smolagents",
}  # fmt: skip
_RENDERER = re.compile(
    r"^(render|build|format|serialize)_\w*(context|thread)\w*$|^thread_to_\w+$|^to_context$"
)
_INLINE_PROMPT = re.compile(r"\byou are\b", re.IGNORECASE)
_INLINE_MIN_CHARS = 80


def prompt_files(project: Project) -> list[Path]:
    """Prompt templates in `prompts/` inside the package (or at the project root)."""
    dirs = [d for d in (project.package_dir / "prompts", project.root / "prompts") if d.is_dir()]
    return sorted(f for d in dirs for f in d.rglob("*") if f.is_file() and f.suffix in PROMPT_SUFFIXES)


def check_prompts(project: Project, _tools: ToolScan) -> Finding:
    """Factor 2: the prompt is a file in the repo, rendered explicitly by project code."""
    files = [Evidence(project.rel(f), None, "prompt file") for f in prompt_files(project)]
    loaders: list[Evidence] = []
    inline: list[Evidence] = []
    for module in project.modules:
        for text, line in astutil.string_constants(module.nodes):
            if text == "prompts" or text.startswith("prompts/"):
                loaders.append(Evidence(module.rel, line, "loads prompt files"))
            elif len(text) >= _INLINE_MIN_CHARS and _INLINE_PROMPT.search(text):
                inline.append(Evidence(module.rel, line, "prompt text inline in code"))
    if not files:
        return failed(
            2,
            "no prompt files in prompts/: the prompt is buried in code or supplied by a library",
            "move the system prompt into prompts/<name>.md and render it with your own code",
            [*loaders, *inline],
        )
    if not loaders:
        return failed(
            2,
            f"{len(files)} prompt file(s), but no code loads them from prompts/",
            "render the prompt files explicitly, e.g. prompts.py reading prompts/<name>.md",
            files,
        )
    if inline:  # what the model is told must be reviewable as a prompt, not found in code
        return failed(
            2,
            "prompt text is also written inline in code",
            "move it into a file under prompts/ so it is versioned and reviewed as a prompt",
            inline,
        )
    return passed(2, f"{len(files)} prompt file(s), rendered explicitly", [*loaders, *files])


def check_context(project: Project, _tools: ToolScan) -> Finding:
    """Factor 3: our code turns the thread into the model's context; no framework does it."""
    frameworks = [
        Evidence(module.rel, stmt.lineno, f"imports {name}")
        for module in project.modules
        for name, stmt in astutil.imports(module.nodes)
        if name.split(".")[0] in FRAMEWORKS
    ]
    if frameworks:
        return failed(
            3,
            "a framework builds the model's context",
            "render the thread into the context yourself (compact tagged events) and drop the framework",
            frameworks,
        )
    renderers = {
        func.name: Evidence(module.rel, func.lineno, f"{func.name}() renders the context")
        for module in project.modules
        for func in module.functions
        if _RENDERER.match(func.name)
    }
    if not renderers:
        return failed(
            3,
            "no function renders the thread into the model's context",
            "write context.render_context(thread) -> str: each event as a compact tagged block",
        )
    callers = [
        Evidence(module.rel, call.lineno, f"calls {name}()")
        for module in project.modules
        for call in module.calls
        if (name := astutil.called_name(call)) in renderers
    ]
    if not callers:
        names = ", ".join(f"{name}()" for name in renderers)
        return warned(
            3,
            f"{names} is never called: the model may see raw history",
            "build every model request's context with the renderer",
            renderers.values(),
        )
    first = next(iter(renderers))
    return passed(3, f"{first}() builds the model's context", [*renderers.values(), *callers])


def check_prefetch(project: Project, _tools: ToolScan) -> Finding:
    """Factor 13: known-needed data is fetched deterministically before the first model call."""
    hooks = [
        Evidence(module.rel, func.lineno, f"{func.name}()")
        for module in project.modules
        for func in module.functions
        if "prefetch" in func.name.lower()
    ]
    if not hooks:
        return warned(
            13,
            "no pre-fetch hook",
            "fetch data the model always needs before its first call (prefetch.py), not as a tool",
        )
    return passed(13, "pre-fetch hooks run before the first model call", hooks)
