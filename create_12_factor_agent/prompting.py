"""Ask one question on the terminal with rich: help text, default, choices as a numbered menu."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.prompt import Confirm, Prompt

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


def _ask_once(console: Console, question: Question, default: Answer) -> Answer:
    if question.type == "bool":
        return Confirm.ask(f"[bold]{question.help}[/bold]", default=bool(default), console=console)
    if not question.choices:
        return Prompt.ask(f"[bold]{question.help}[/bold]", default=str(default), console=console)
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
