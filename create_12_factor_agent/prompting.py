"""Ask on the terminal: each question with its help text and default (rich), choices picked with
the arrow keys (questionary, which copier itself uses) or, on a terminal that cannot move the
cursor (TERM=dumb, some CI consoles), from a numbered menu; then one summary to confirm."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from rich.console import Console
from rich.prompt import Confirm, Prompt
from rich.table import Table

from create_12_factor_agent.errors import UsageError
from create_12_factor_agent.questions import Answer, Question


def make_asker(console: Console) -> Callable[[Question, Answer, Callable[[Answer], str]], Answer]:
    def ask(question: Question, default: Answer, validate: Callable[[Answer], str]) -> Answer:
        while True:
            try:
                value = _ask_once(console, question, default)
            except EOFError:  # Ctrl-D, or input that ran out: nothing is written
                raise UsageError(f"no answer for {question.name}: input ended") from None
            try:
                value = question.parse(value)
            except UsageError as error:
                console.print(f"[red]{error.message}[/red]")
                continue
            reason = validate(value)
            if not reason:
                return value
            console.print(f"[red]{question.name} {reason}[/red]")

    return ask


def confirm_answers(console: Console, answers: Mapping[str, Answer], dest: str) -> bool:
    """Show every answer and ask once before anything is written."""
    table = Table(show_header=False, box=None, padding=(0, 2))
    for name, value in answers.items():
        table.add_row(f"[dim]{name}[/dim]", str(value))
    console.print(table)
    return Confirm.ask(f"[bold]Create {dest} with these answers?[/bold]", default=True, console=console)


def _cursor_keys_work(console: Console) -> bool:
    return console.is_terminal and os.environ.get("TERM", "") not in ("", "dumb")


def _ask_once(console: Console, question: Question, default: Answer) -> Answer:
    if question.type == "bool":
        return Confirm.ask(f"[bold]{question.help}[/bold]", default=bool(default), console=console)
    if not question.choices:
        return Prompt.ask(f"[bold]{question.help}[/bold]", default=str(default), console=console)
    if _cursor_keys_work(console):
        return _select(question, default)
    return _numbered_menu(console, question, default)


def _select(question: Question, default: Answer) -> Answer:
    import questionary  # prompt_toolkit takes ~0.1 s to import: only when a menu is shown

    choices = [questionary.Choice(title=label, value=value) for label, value in question.choices]
    picked = questionary.select(
        question.help,
        choices=choices,
        default=next((c for c in choices if c.value == default), None),
        instruction="(arrow keys, Enter)",
    ).unsafe_ask()  # unsafe: Ctrl-C raises KeyboardInterrupt instead of returning None
    return str(picked)


def _numbered_menu(console: Console, question: Question, default: Answer) -> Answer:
    console.print(f"[bold]{question.help}[/bold]")
    numbers = [str(index) for index in range(1, len(question.choices) + 1)]
    default_number = "1"
    for number, (label, value) in zip(numbers, question.choices, strict=True):
        marker = "*" if value == default else " "
        if value == default:
            default_number = number
        suffix = f" [dim]({value})[/dim]" if label != value else ""
        console.print(f"  {marker} [cyan]{number}[/cyan]) {label}{suffix}")
    picked = Prompt.ask(
        "  choose",
        choices=numbers + list(question.choice_values),
        default=default_number,
        show_choices=False,
        console=console,
    )
    return question.choices[int(picked) - 1][1] if picked in numbers else picked
