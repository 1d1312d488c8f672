"""The command line: parse, ask, call the library, print. No generation logic lives here."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

import create_12_factor_agent
from create_12_factor_agent.errors import EXIT_FAILURE, GeneratorError, UpdateError

COMMANDS = ("new", "update", "check", "add")

app = typer.Typer(
    name="create-12-factor-agent",
    help="Create a Python LLM agent that follows the 12-Factor Agents principles.\n\n"
    "`create-12-factor-agent DEST` is short for `create-12-factor-agent new DEST`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich-formatted help imports markdown-it and doubles `--help` start-up time.
    rich_markup_mode=None,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DataOption = Annotated[
    list[str] | None,
    typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of prose.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]


def _version(value: bool) -> None:
    if value:
        out.print(f"create-12-factor-agent {create_12_factor_agent.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Create and update 12-factor agent projects."""


@app.command()
def new(
    dest: Annotated[Path, typer.Argument(metavar="DEST", help="Directory to create the project in.")],
    defaults: Annotated[
        bool,
        typer.Option("--defaults", "-y", help="Accept the default for every unanswered question."),
    ] = False,
    data: DataOption = None,
    answers_file: Annotated[
        Path | None,
        typer.Option(
            "--answers-file",
            help="YAML file of answers (e.g. another project's .copier-answers.yml).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", help="Template git URL or local git repo (default: the bundled one)."),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Git tag, branch or commit of --template to use."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty DEST.")] = False,
    pretend: Annotated[bool, typer.Option("--pretend", help="List the files, write nothing.")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Skip `git init` and the first commit.")] = False,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Generate a new agent project in DEST."""
    from create_12_factor_agent import commands, report

    with _reporting(debug=debug, json_output=json_output):
        interactive = sys.stdin.isatty() and not json_output
        answers, source = commands.gather_answers(
            dest, data or [], answers_file, template, vcs_ref,
            use_defaults=defaults, console=err if interactive else None, warn=_warn,
        )  # fmt: skip
        result = commands.generate(
            dest, answers, source, force=force, pretend=pretend, git=not no_git,
            progress=_progress(json_output),
        )  # fmt: skip
        if json_output:
            out.print_json(json.dumps(report.scaffold_summary(result, answers, pretend=pretend)))
        else:
            report.print_scaffold(out, result, answers, pretend=pretend)


@app.command()
def update(
    path: Annotated[Path, typer.Argument(help="Project to update.")] = Path("."),
    data: DataOption = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Template version to update to (default: latest tag)."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Read the template from this git URL or clone instead of the recorded _src_path "
            "(which stays recorded).",
        ),
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option("--defaults", "-y", help="Keep the recorded answers (the default anyway)."),
    ] = False,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would change and conflict; write nothing.")
    ] = False,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Pull template changes into a generated project (copier update, with pre-checks)."""
    from create_12_factor_agent import commands, report
    from create_12_factor_agent.update import ABORT_COMMAND

    del defaults  # answers are never asked for on update: recorded ones are kept, new ones defaulted
    with _reporting(debug=debug, json_output=json_output):
        result = commands.run_update(
            path, data or [], vcs_ref, template=template, pretend=pretend, progress=_progress(json_output)
        )
        if json_output:
            out.print_json(json.dumps(report.update_summary(result)))
        else:
            report.print_update(out, result)
        if result.unresolved and not pretend:
            raise UpdateError(
                f"update left {len(result.unresolved)} unresolved file(s): {', '.join(result.unresolved)}",
                hint="resolve the <<<<<<< markers and merge each .rej by hand (then delete it), and commit;"
                f" or undo the whole update with `{ABORT_COMMAND}`",
            )


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="Project to audit.")] = Path("."),
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Audit a project against the 12 factors. Static: reads the code, never runs it.

    Exit 0 when nothing fails (warnings are advice), 1 when a check fails, 2 when PATH is not a project.
    """
    from create_12_factor_agent import report
    from create_12_factor_agent.audit import audit

    with _reporting(debug=debug, json_output=json_output):
        result = audit(path)
        if json_output:
            out.print_json(json.dumps(report.audit_summary(result)))
        else:
            report.print_audit(out, result)
    if not result.ok:
        raise typer.Exit(EXIT_FAILURE)


add_app = typer.Typer(help="Add parts to a generated project.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(add_app, name="add")


@add_app.command("tool")
def add_tool(
    name: Annotated[str, typer.Argument(help="Tool name, the intent the model calls (snake_case).")],
    path: Annotated[Path, typer.Argument(help="Project to add the tool to.")] = Path("."),
    description: Annotated[
        str | None,
        typer.Option("--description", help="What the tool does; the model reads it to choose the tool."),
    ] = None,
    approval: Annotated[
        bool, typer.Option("--approval", help="A human must approve every call before it runs.")
    ] = False,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            metavar="NAME[:TYPE]",
            help="An argument the model fills in; TYPE is str (default), int, float or bool. "
            "Repeatable; without it the tool gets one placeholder field to edit.",
        ),
    ] = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Add a tool: its model, handler and registration (tools/NAME.py) and a test for it."""
    from create_12_factor_agent import report
    from create_12_factor_agent.addtool import add_tool as add

    with _reporting(debug=debug, json_output=json_output):
        added = add(path, name, description=description, approval=approval, fields=field or [])
        if json_output:
            out.print_json(json.dumps(report.added_tool_summary(added)))
        else:
            report.print_added_tool(out, added)


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {message}", soft_wrap=True)


def _progress(json_output: bool) -> Callable[[str], None]:
    def report(message: str) -> None:
        err.print(f"[dim]→[/dim] {message}")

    return (lambda _message: None) if json_output else report


@contextmanager
def _reporting(*, debug: bool, json_output: bool) -> Iterator[None]:
    """The one place where known errors become a message and an exit code."""
    try:
        yield
    except GeneratorError as error:
        if debug:
            raise
        _fail(error.message, error.hint, error.exit_code, json_output)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", None, 130, json_output)


def _fail(message: str, hint: str | None, code: int, json_output: bool) -> NoReturn:
    if json_output:
        out.print_json(json.dumps({"ok": False, "error": message, "hint": hint, "exit_code": code}))
    err.print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    if hint:
        err.print(f"[dim]hint: {hint}[/dim]", soft_wrap=True)
    raise typer.Exit(code)


def normalize_argv(argv: list[str]) -> list[str]:
    """Make `create-12-factor-agent DEST ...` mean `create-12-factor-agent new DEST ...`."""
    for arg in argv:
        if arg.startswith("-"):
            continue
        return argv if arg in COMMANDS else ["new", *argv]
    return argv


def main() -> NoReturn:
    # SIGTERM should unwind like Ctrl-C so the staging directory is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        app(args=normalize_argv(sys.argv[1:]), prog_name="create-12-factor-agent")
    except KeyboardInterrupt:
        err.print("[bold red]error:[/bold red] interrupted")
        sys.exit(130)
    sys.exit(EXIT_FAILURE)  # typer exits itself; reaching here is a bug
