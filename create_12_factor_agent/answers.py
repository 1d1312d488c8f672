"""Collect answers from an answers file, `--data` flags, defaults, and prompts when there is a terminal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

import yaml

from create_12_factor_agent.errors import MissingAnswersError, UsageError, first_line
from create_12_factor_agent.questions import Answer, Question, QuestionSet

# Real answers files are well under 1 KiB; the cap keeps /dev/zero or a huge file out of memory.
MAX_ANSWERS_BYTES = 64 * 1024

# Asks one question: (question, default, validate) -> answer. `validate` returns "" or a reason.
Asker = Callable[[Question, Answer, Callable[[Answer], str]], Answer]


def parse_data_flags(items: Sequence[str]) -> dict[str, str]:
    """`--data KEY=VALUE` pairs; the value may itself contain '='."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data expects KEY=VALUE, got {item!r}")
        data[key.strip()] = value
    return data


def read_answers_file(path: Path) -> dict[str, object]:
    """A YAML mapping of answers; copier's private `_keys` (e.g. from .copier-answers.yml) are skipped."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_ANSWERS_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read answers file {path}: {error.strerror}") from error
    if len(raw) > MAX_ANSWERS_BYTES:
        raise UsageError(f"answers file {path} is larger than {MAX_ANSWERS_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"answers file {path} is not UTF-8 text") from error
    try:
        loaded = yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as error:
        raise UsageError(f"answers file {path} is not valid YAML: {first_line(error)}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"answers file {path} must be a mapping of question: answer")
    return {str(key): value for key, value in loaded.items() if not str(key).startswith("_")}


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a few lines of `*alias` can expand to gigabytes
    (a "billion laughs" bomb), and an answers file has no use for them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                problem="aliases (*name) are not allowed in an answers file",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)


def collect_answers(
    questions: QuestionSet,
    given: Mapping[str, object],
    *,
    use_defaults: bool,
    ask: Asker | None,
    preset_defaults: Mapping[str, Answer] | None = None,
) -> dict[str, Answer]:
    """Answer every question, in copier.yml order, so later defaults can use earlier answers.

    `given` wins; then the default (with --defaults) or a prompt (with a terminal). Without either,
    the unanswered questions are reported together, so one retry can fix them all.
    """
    unknown = sorted(set(given) - set(questions.names()))
    if unknown:
        known = ", ".join(questions.names())
        raise UsageError(f"unknown question(s): {', '.join(unknown)} (known: {known})")

    answers: dict[str, Answer] = {}
    missing: list[str] = []
    for question in questions.questions:
        if question.name in given:
            answers[question.name] = questions.check(question, given[question.name], answers)
            continue
        default = _default(questions, question, answers, preset_defaults or {}, strict=use_defaults)
        if use_defaults:
            answers[question.name] = questions.check(question, default, answers)
        elif ask is not None:
            validate = partial(questions.error_for, question, answers=dict(answers))
            answers[question.name] = ask(question, default, validate)
        else:
            missing.append(question.name)
            answers[question.name] = default  # lets later defaults render; never used otherwise
    if missing:
        raise MissingAnswersError(missing)
    return answers


def _default(
    questions: QuestionSet,
    question: Question,
    answers: Mapping[str, Answer],
    preset: Mapping[str, Answer],
    *,
    strict: bool,
) -> Answer:
    """The preset (e.g. the project name taken from DEST) when valid, else copier.yml's default.

    With `strict` (nobody will see a prompt) an invalid preset is an error rather than a silent
    fallback: `create-12-factor-agent "My Bot!" -y` must not quietly make a project named my-agent.
    """
    if question.name in preset:
        candidate = preset[question.name]
        reason = questions.error_for(question, candidate, answers)
        if not reason:
            return candidate
        if strict:
            raise UsageError(
                f"{question.name}: {candidate!r} (from the destination's name) {reason}",
                hint=f"pass --data {question.name}=NAME",
            )
    return questions.default_for(question, answers)
