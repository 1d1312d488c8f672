"""How results are shown: a rich summary for people, one JSON object for machines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.panel import Panel

from create_12_factor_agent.questions import Answer
from create_12_factor_agent.scaffold import ScaffoldResult
from create_12_factor_agent.update import UpdateResult

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
    steps = "\n".join(
        [
            f"cd {result.destination.name}",
            "uv sync                      # create the environment",
            "uv run pytest                # the project's own tests, offline",
            f'{env} uv run {answers["project_name"]} run "what is 3 times 4?"',
        ]
    )
    console.print(Panel(steps, title="Next steps", expand=False))


def update_summary(result: UpdateResult) -> dict[str, Any]:
    return {
        "ok": not result.conflicts,
        "path": str(result.path),
        "old_commit": result.old_commit,
        "new_commit": result.new_commit,
        "changed": result.changed,
        "conflicts": result.conflicts,
    }


def print_update(console: Console, result: UpdateResult) -> None:
    if result.new_commit == result.old_commit and not result.changed:
        console.print(f"[green]✓[/green] Already up to date ({result.old_commit})")
        return
    console.print(
        f"[green]✓[/green] Updated {result.old_commit} → {result.new_commit}:"
        f" {len(result.changed)} files changed (review with `git diff`, then commit)"
    )
    for name in result.conflicts:
        console.print(f"  [red]conflict[/red] {name}")
