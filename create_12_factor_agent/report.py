"""How results are shown: a rich summary for people, one JSON object for machines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from create_12_factor_agent.addtool import AddedTool
from create_12_factor_agent.audit.model import AuditReport, Finding
from create_12_factor_agent.questions import Answer
from create_12_factor_agent.scaffold import ScaffoldResult
from create_12_factor_agent.update import UpdateResult

# A first request the example's tools can answer (the minimal agent can only talk).
_FIRST_REQUEST = {"calculator": "what is 3 times 4?"}
_KEY_VARS = {
    "openai": "OPENAI_API_KEY=sk-...",
    "anthropic": "ANTHROPIC_API_KEY=sk-ant-...",
    "openai_compatible": "OPENAI_BASE_URL=http://localhost:11434/v1",
}


def scaffold_summary(
    result: ScaffoldResult, answers: Mapping[str, Answer], *, pretend: bool
) -> dict[str, Any]:
    return {
        "ok": True,
        "pretend": pretend,
        "destination": str(result.destination),
        "template": result.template,
        "template_commit": result.template_commit,
        "git_commit": result.git_commit,
        "files": result.files,
        "answers": dict(answers),
        "notes": result.notes,
    }


def print_scaffold(
    console: Console, result: ScaffoldResult, answers: Mapping[str, Answer], *, pretend: bool
) -> None:
    if pretend:
        console.print(f"Would create {result.destination} with {len(result.files)} files:")
        for name in result.files:
            console.print(f"  {name}")
        console.print("[dim]--pretend: nothing was written[/dim]")
        return
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    commit = f", first commit {result.git_commit[:8]}" if result.git_commit else ""
    console.print(f"[green]✓[/green] Created {result.destination} ({len(result.files)} files{commit})")
    env = _KEY_VARS.get(str(answers.get("llm_provider")), "")
    request = _FIRST_REQUEST.get(str(answers.get("example")), "say hello")
    steps = "\n".join(
        [
            f"cd {result.destination.name}",
            "uv sync                      # create the environment (writes uv.lock: commit it)",
            "uv run pytest                # the project's own tests, offline",
            f'{env} uv run {answers["project_name"]} run "{request}"',
        ]
    )
    console.print(Panel(steps, title="Next steps", expand=False))


def update_summary(result: UpdateResult) -> dict[str, Any]:
    return {
        "ok": result.pretend or not result.unresolved,  # a pretend run fails at nothing
        "pretend": result.pretend,
        "path": str(result.path),
        "old_commit": result.old_commit,
        "new_commit": result.new_commit,
        "changed": result.changed,
        "conflicts": result.conflicts,
        "rejected": result.rejected,
        "notes": result.notes,
    }


def print_update(console: Console, result: UpdateResult) -> None:
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if result.new_commit == result.old_commit and not result.changed:
        console.print(f"[green]✓[/green] Already up to date ({result.old_commit})")
        return
    if result.pretend:
        console.print(
            f"Would update {result.old_commit} → {result.new_commit}: {len(result.changed)} files"
            " (nothing was written)"
        )
        for name in result.changed:
            mark = "[red]would conflict[/red]" if name in result.unresolved else "[dim]change[/dim]"
            console.print(f"  {mark} {name}")
        return
    console.print(
        f"[green]✓[/green] Updated {result.old_commit} → {result.new_commit}:"
        f" {len(result.changed)} files changed (review with `git diff`, then commit)"
    )
    for name in result.conflicts:
        console.print(f"  [red]conflict[/red] {name}")
    for name in result.rejected:
        console.print(f"  [red]rejected hunks[/red] {name}")


_STATUS_STYLE = {"pass": ("✓ pass", "green"), "warn": ("! warn", "yellow"), "fail": ("✗ fail", "bold red")}
_EVIDENCE_SHOWN = 3


def audit_summary(report: AuditReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "path": str(report.root),
        "package": report.package,
        "counts": {status: report.count(status) for status in ("pass", "warn", "fail")},
        "findings": [
            {
                "factor": finding.factor,
                "title": finding.title,
                "status": finding.status,
                "summary": finding.summary,
                "evidence": [{"path": e.path, "line": e.line, "note": e.note} for e in finding.evidence],
                "fix": finding.fix,
            }
            for finding in report.findings
        ],
    }


def print_audit(console: Console, report: AuditReport) -> None:
    title = f"12-factor check of {report.package} (code under {report.package_dir}/)"
    table = Table(title=title, title_justify="left", show_lines=True)
    table.add_column("Factor", ratio=3)
    table.add_column("Result", no_wrap=True)
    table.add_column("Evidence", ratio=2, overflow="fold")
    with_fixes = any(finding.fix for finding in report.findings)
    if with_fixes:
        table.add_column("Fix", ratio=3)
    for finding in report.findings:
        label, style = _STATUS_STYLE[finding.status]
        factor = Text(f"{finding.factor}. {finding.title}\n", style="bold")
        factor.append(finding.summary, style="dim")
        cells = [factor, Text(label, style=style), _evidence_text(finding, report.package_dir + "/")]
        table.add_row(*cells, *([Text(finding.fix or "")] if with_fixes else []))
    console.print(table)
    counts = f"{report.count('pass')} passed, {report.count('warn')} warned, {report.count('fail')} failed"
    if report.ok:
        console.print(f"[green]✓[/green] {counts}")
    else:
        console.print(f"[bold red]✗[/bold red] {counts}")


def _evidence_text(finding: Finding, package_prefix: str) -> Text:
    lines = [e.location.removeprefix(package_prefix) for e in finding.evidence[:_EVIDENCE_SHOWN]]
    hidden = len(finding.evidence) - _EVIDENCE_SHOWN
    if hidden > 0:
        lines.append(f"(+{hidden} more in --json)")
    return Text("\n".join(lines))


def added_tool_summary(added: AddedTool) -> dict[str, Any]:
    return {
        "ok": True,
        "path": str(added.root),
        "tool": added.name,
        "class": added.class_name,
        "policy": added.policy,
        "files": list(added.files),
    }


def print_added_tool(console: Console, added: AddedTool) -> None:
    policy = (
        "needs a human's approval" if added.policy == "NEEDS_APPROVAL" else "runs as soon as it is called"
    )
    console.print(f"[green]✓[/green] Added tool [bold]{added.name}[/bold] ({policy}):")
    for name in added.files:
        console.print(f"  {name}")
    steps = "\n".join(
        [
            f"Edit {added.files[0]}: the docstring is what the model reads,",
            "the fields are the arguments it fills in, handle() does the work.",
            f"Then update {added.files[1]} and run the checks (pytest, mypy).",
        ]
    )
    console.print(Panel(steps, title="Next", expand=False))
