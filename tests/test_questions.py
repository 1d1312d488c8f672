"""Question loading and answer validation, including property tests over arbitrary input."""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from create_12_factor_agent.answers import collect_answers, parse_data_flags, read_answers_file
from create_12_factor_agent.errors import MissingAnswersError, TemplateSourceError, UsageError
from create_12_factor_agent.questions import load_questions
from create_12_factor_agent.reserved import DEPENDENCY_IMPORTS
from create_12_factor_agent.source import bundled_template_dir

QUESTIONS = load_questions(bundled_template_dir())
PUBLIC_KEYS = [
    "project_name", "package_name", "description", "author_name", "author_email", "python_version",
    "llm_provider", "model", "state_store", "http_api", "example", "github_ci", "docker",
    "mcp",
]  # fmt: skip
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def test_public_answer_keys_are_stable() -> None:
    assert QUESTIONS.names() == PUBLIC_KEYS


@pytest.mark.parametrize(
    ("spec", "refusal"),
    [
        ("{type: str, when: '{{ http_api }}'}", "uses when"),
        ("{type: str, secret: true}", "uses secret"),
        ("{type: str, multiselect: true, choices: [a, b]}", "uses multiselect"),
        ("{type: str, placeholder: x, qmark: '?'}", "uses placeholder, qmark"),
        ("{type: int, default: 3}", "has type 'int'"),
        ("{type: json}", "has type 'json'"),
        ("plain default", "is not a mapping"),
        ("{type: str, choices: abc}", "has choices that are neither a list nor a mapping"),
    ],
)
def test_a_question_key_the_cli_does_not_read_is_refused(tmp_path: Path, spec: str, refusal: str) -> None:
    """copier would honour these and the CLI would not: refusing keeps the two from drifting."""
    (tmp_path / "copier.yml").write_text(f"_subdirectory: t\nname: {{type: str}}\nodd: {spec}\n")
    with pytest.raises(TemplateSourceError, match=f"question 'odd' {re.escape(refusal)}"):
        load_questions(tmp_path)


def test_choices_match_the_documented_values() -> None:
    assert QUESTIONS.get("llm_provider").choice_values == ("openai", "anthropic", "openai_compatible")
    assert QUESTIONS.get("state_store").choice_values == ("sqlite", "postgres")
    assert QUESTIONS.get("python_version").choice_values == ("3.11", "3.12", "3.13")
    assert QUESTIONS.get("example").choice_values == ("calculator", "minimal")


@pytest.mark.parametrize(
    ("provider", "prefix"), [("openai", "gpt-"), ("anthropic", "claude-"), ("openai_compatible", "llama")]
)
def test_model_default_follows_provider(provider: str, prefix: str) -> None:
    answers = collect_answers(QUESTIONS, {"llm_provider": provider}, use_defaults=True, ask=None)
    assert str(answers["model"]).startswith(prefix)


def _package_error(name: str) -> str:
    return QUESTIONS.error_for(QUESTIONS.get("package_name"), name, {})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_package_name_accepts_exactly_safe_identifiers(name: str) -> None:
    safe = (
        bool(IDENTIFIER.match(name))
        and not keyword.iskeyword(name)
        and name not in {"match", "case", "type", "none", "true", "false"}
        and name not in sys.stdlib_module_names
        and name not in DEPENDENCY_IMPORTS
    )
    assert (_package_error(name) == "") == safe


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z0-9 ._-]{0,30}", fullmatch=True))
def test_any_valid_project_name_derives_a_valid_package_name(project_name: str) -> None:
    refusal = ""
    try:
        answers = collect_answers(QUESTIONS, {"project_name": project_name}, use_defaults=True, ask=None)
    except UsageError as error:
        refusal = error.message
    if refusal:  # only with a reason naming the question at fault
        assert refusal.startswith(("project_name:", "package_name:"))
    else:
        assert IDENTIFIER.match(str(answers["package_name"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=15), max_size=5))
def test_data_flags_parse_or_fail_with_usage_error(items: list[str]) -> None:
    well_formed = all("=" in item and item.partition("=")[0].strip() for item in items)
    if not well_formed:
        with pytest.raises(UsageError, match="KEY=VALUE"):
            parse_data_flags(items)
        return
    expected = {item.partition("=")[0].strip(): item.partition("=")[2] for item in items}  # last one wins
    assert parse_data_flags(items) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_answers_file_never_crashes(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.yml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded = read_answers_file(path)
        except UsageError:
            return
        assert isinstance(loaded, dict)
        assert not any(key.startswith("_") for key in loaded)


@pytest.mark.parametrize("value", ["true", "Yes", "1", "on", True])
def test_bool_parsing_true(value: object) -> None:
    assert QUESTIONS.get("http_api").parse(value) is True


@pytest.mark.parametrize("value", ["false", "No", "0", "off", False])
def test_bool_parsing_false(value: object) -> None:
    assert QUESTIONS.get("http_api").parse(value) is False


def test_missing_answers_are_reported_together() -> None:
    with pytest.raises(MissingAnswersError) as caught:
        collect_answers(QUESTIONS, {"project_name": "x-agent"}, use_defaults=False, ask=None)
    assert caught.value.missing == PUBLIC_KEYS[1:]
    assert caught.value.exit_code == 2


def test_asker_receives_rendered_defaults_and_a_validator() -> None:
    seen: dict[str, object] = {}

    def ask(question, default, validate):  # type: ignore[no-untyped-def]
        seen[question.name] = default
        if question.name == "package_name":
            assert validate("json")  # stdlib shadowing is refused
            assert validate("good_name") == ""
        return default

    answers = collect_answers(QUESTIONS, {"project_name": "Shop-Bot"}, use_defaults=False, ask=ask)
    assert seen["package_name"] == "shop_bot"
    assert answers["model"] == "gpt-4.1-mini"
