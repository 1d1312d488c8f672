"""The question set, read from the template's copier.yml, and validation of answers against it."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from create_12_factor_agent.errors import TemplateSourceError, UsageError
from create_12_factor_agent.reserved import shadowed_dependency
from create_12_factor_agent.textcheck import MAX_DESCRIPTION_COLUMNS, text_problem

Answer = str | bool

# The part of copier's question format this module implements. Anything else (`when`, `secret`,
# `multiselect`, `placeholder`, `type: int`, ...) is refused: copier would honour it and the CLI
# would not, so the two would ask different questions.
QUESTION_KEYS = frozenset({"type", "help", "default", "choices", "validator"})
QUESTION_TYPES = frozenset({"str", "bool"})

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


@dataclass(frozen=True)
class Question:
    """One copier question: its type, help text, Jinja default, choices and validator."""

    name: str
    type: str
    help: str
    default: Any
    choices: tuple[tuple[str, str], ...]  # (label, value) pairs, in menu order
    validator: str | None

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.choices)

    def parse(self, raw: object) -> Answer:
        """Turn a flag, file or prompt value into the typed answer, or raise UsageError."""
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise UsageError(f"{self.name}: expected true or false, got {_clip(raw)}")
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise UsageError(f"{self.name}: expected text, got {_clip(raw)}")
        value = str(raw).strip()
        if self.choices and value not in self.choice_values:
            allowed = ", ".join(self.choice_values)
            raise UsageError(f"{self.name}: {_clip(value)} is not one of: {allowed}")
        return value


@dataclass(frozen=True)
class QuestionSet:
    questions: tuple[Question, ...]

    def names(self) -> list[str]:
        return [question.name for question in self.questions]

    def get(self, name: str) -> Question:
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(name)

    def default_for(self, question: Question, answers: Mapping[str, Answer]) -> Answer:
        """The default, rendered against the answers given so far (defaults may be Jinja)."""
        default = question.default
        if isinstance(default, str):
            default = _render(default, answers).strip()
        return question.parse(default)

    def error_for(self, question: Question, value: Answer, answers: Mapping[str, Answer]) -> str:
        """Empty when `value` is acceptable, else the reason it is not."""
        context = {**answers, question.name: value}
        if question.validator:
            message = " ".join(_render(question.validator, context).split())
            if message:
                return message
        return _python_side_error(question.name, value)

    def check(self, question: Question, raw: object, answers: Mapping[str, Answer]) -> Answer:
        value = question.parse(raw)
        error = self.error_for(question, value, answers)
        if error:
            raise UsageError(f"{question.name}: {error} (got {_clip(value)})")
        return value


def _clip(value: object, limit: int = 60) -> str:
    """`repr(value)`, shortened: an answers file may hold a 64 KiB value, an error is one line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _python_side_error(name: str, value: Answer) -> str:
    """Checks too long to state in copier.yml's Jinja validators."""
    if not isinstance(value, str):
        return ""
    # Shadowing the stdlib breaks imports subtly; copier.yml can list only the common names.
    if name == "package_name" and value in sys.stdlib_module_names:
        return f"must not shadow the standard library module '{value}'"
    if name == "package_name" and (clash := shadowed_dependency(package_name=value)):
        return f"must not shadow the module '{clash}', which the project imports"
    if name == "project_name" and (clash := shadowed_dependency(project_name=value)):
        return f"must not be the name of a dependency of the project ('{clash}')"
    if name == "description":
        return text_problem(value, max_columns=MAX_DESCRIPTION_COLUMNS)
    return ""


def load_questions(template_dir: Path) -> QuestionSet:
    """Read the questions (keys not starting with `_`) from copier.yml, in file order."""
    path = template_dir / "copier.yml"
    if not path.is_file():
        path = template_dir / "copier.yaml"
    return _load_questions(path)


@cache
def _load_questions(path: Path) -> QuestionSet:
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = []
    for name, spec in config.items():
        if str(name).startswith("_"):
            continue  # copier's own settings: copier applies them
        _refuse_unknown(path, str(name), spec)
        choices = spec.get("choices") or ()
        pairs = (
            tuple((str(label), str(value)) for label, value in choices.items())
            if isinstance(choices, dict)
            else tuple((str(value), str(value)) for value in choices)
        )
        questions.append(
            Question(
                name=name,
                type=str(spec.get("type", "str")),
                help=str(spec.get("help", name)),
                default=spec.get("default", ""),
                choices=pairs,
                validator=spec.get("validator"),
            )
        )
    return QuestionSet(tuple(questions))


def _refuse_unknown(path: Path, name: str, spec: object) -> None:
    """Raise unless `spec` uses only the part of copier's question format read here."""
    if not isinstance(spec, dict):
        problem = "is not a mapping of question keys (the short `name: default` form is not read)"
    elif unknown := sorted(set(map(str, spec)) - QUESTION_KEYS):
        problem = f"uses {', '.join(unknown)}, which the CLI does not read"
    elif str(spec.get("type", "str")) not in QUESTION_TYPES:
        problem = f"has type {spec['type']!r}; the CLI reads only {', '.join(sorted(QUESTION_TYPES))}"
    elif not isinstance(spec.get("choices") or [], dict | list):
        problem = "has choices that are neither a list nor a mapping"
    else:
        return
    raise TemplateSourceError(f"{path.name}: question {name!r} {problem}")


@cache
def _environment() -> jinja2.Environment:
    # The same filters copier offers templates by default (regex_search and friends).
    return jinja2.Environment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=jinja2.StrictUndefined,
    )


def _render(source: str, context: Mapping[str, Answer]) -> str:
    try:
        return _environment().from_string(source).render(**context)
    except jinja2.UndefinedError as error:
        raise UsageError(f"copier.yml refers to an unknown answer: {error.message}") from error
