"""What each CLI command does, as plain functions: gather answers, generate, update."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from create_12_factor_agent import gitutil
from create_12_factor_agent.answers import collect_answers, parse_data_flags, read_answers_file
from create_12_factor_agent.errors import UsageError
from create_12_factor_agent.questions import Answer, Question, load_questions
from create_12_factor_agent.scaffold import Progress, ScaffoldOptions, ScaffoldResult, scaffold
from create_12_factor_agent.source import TemplateSource, bundled_template_dir, resolve_source
from create_12_factor_agent.update import UpdateResult, update

Asker = Callable[[Question, Answer, Callable[[Answer], str]], Answer]


def gather_answers(
    dest: Path,
    data: Sequence[str],
    answers_file: Path | None,
    template: str | None,
    vcs_ref: str | None,
    *,
    use_defaults: bool,
    console: Console | None,
    warn: Callable[[str], None] = lambda _message: None,
) -> tuple[dict[str, Answer], TemplateSource]:
    """Validate the source and every answer before anything is written.

    `console` is the terminal to ask on; None means there is none, so nothing is asked.
    """
    source = resolve_source(template, vcs_ref)
    dest_name = dest.expanduser().absolute().name
    given: dict[str, object] = dict(read_answers_file(answers_file)) if answers_file else {}
    flags = parse_data_flags(data)
    named = given.get("project_name")
    if answers_file and "project_name" not in flags and named not in (None, dest_name):
        warn(
            f"{answers_file} names the project {named!r}, not {dest_name!r} (the destination's"
            f" name); pass --data project_name={dest_name} to use the destination's name"
        )
    given.update(flags)
    # A URL source can't be read before copier clones it; its questions are checked by copier.
    questions_dir = Path(source.location) if not source.is_url else bundled_template_dir()
    questions = load_questions(questions_dir)
    ask: Asker | None = None
    asked: list[str] = []  # what was asked on the terminal: then the answers are confirmed
    if console is not None:
        from create_12_factor_agent.prompting import make_asker

        asker = make_asker(console)

        def counted(question: Question, default: Answer, validate: Callable[[Answer], str]) -> Answer:
            asked.append(question.name)
            return asker(question, default, validate)

        ask = counted

        console.print("[bold]create-12-factor-agent[/bold] [dim]· Enter accepts the default[/dim]")
    answers = collect_answers(
        questions,
        given,
        use_defaults=use_defaults,
        ask=ask,
        preset_defaults={"project_name": dest_name, **(git_identity() if ask else {})},
    )
    if console is not None and asked:
        from create_12_factor_agent.prompting import confirm_answers

        if not confirm_answers(console, answers, dest_name):
            raise UsageError("not confirmed; nothing was written")
    return answers, source


def git_identity() -> dict[str, Answer]:
    """`git config` user.name and user.email as defaults for the author questions (asked
    questions only: `--defaults` stays the same on every machine)."""
    if not gitutil.git_available():
        return {}
    found: dict[str, Answer] = {}
    for key, question in (("user.name", "author_name"), ("user.email", "author_email")):
        value = gitutil.run_git(Path.cwd(), "config", "--get", key, check=False).stdout.strip()
        if value:
            found[question] = value
    return found


def generate(
    dest: Path,
    answers: dict[str, Answer],
    source: TemplateSource,
    *,
    force: bool,
    pretend: bool,
    git: bool,
    progress: Progress,
) -> ScaffoldResult:
    options = ScaffoldOptions(force=force, pretend=pretend, git=git)
    return scaffold(dest, answers, source, options, progress)


def run_update(
    path: Path,
    data: Sequence[str],
    vcs_ref: str | None,
    *,
    template: str | None,
    pretend: bool,
    progress: Progress,
) -> UpdateResult:
    answers = parse_data_flags(data)
    return update(path, data=answers, vcs_ref=vcs_ref, template=template, pretend=pretend, progress=progress)
