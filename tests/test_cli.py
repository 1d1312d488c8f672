"""The CLI's options and error paths, in-process through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from create_12_factor_agent import __version__
from create_12_factor_agent.cli import normalize_argv
from create_12_factor_agent.source import CANONICAL_URL

from .conftest import Invoke, git, tree


def test_version(invoke: Invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_commands(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "new" in result.output
    assert "update" in result.output


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["my-agent", "-y"], ["new", "my-agent", "-y"]),
        (["-y", "my-agent"], ["new", "-y", "my-agent"]),
        (["new", "my-agent"], ["new", "my-agent"]),
        (["update", "."], ["update", "."]),
        (["--version"], ["--version"]),
    ],
)
def test_dest_alone_means_new(argv: list[str], expected: list[str]) -> None:
    assert normalize_argv(argv) == expected


def test_defaults_generates_a_committed_project(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "my-agent"
    result = invoke(str(dest), "--defaults")
    assert result.exit_code == 0, result.output
    assert "Created" in result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "my-agent"
    assert answers["package_name"] == "my_agent"
    assert answers["_src_path"] == CANONICAL_URL
    assert "_commit" not in answers  # a dev build must not pin a tag that would look like a downgrade
    assert git(dest, "status", "--porcelain") == ""
    assert git(dest, "log", "--format=%s").startswith("Initial commit: my-agent")
    assert not list(tmp_path.glob(".my-agent.c12fa-*"))


def test_new_subcommand_and_data_flags(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "calc"
    result = invoke(
        "new", str(dest), "-y", "-d", "llm_provider=anthropic", "-d", "http_api=false",
        "-d", "project_name=Calc-Bot",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["llm_provider"] == "anthropic"
    assert answers["model"].startswith("claude")  # the per-provider default followed the answer
    assert answers["http_api"] is False
    assert answers["package_name"] == "calc_bot"


def test_json_output(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "j"
    result = invoke(str(dest), "-y", "--json", "--no-git")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["destination"] == str(dest)
    assert summary["git_commit"] is None
    assert ".copier-answers.yml" in summary["files"]
    assert not (dest / ".git").exists()


def test_pretend_writes_nothing(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "p"
    result = invoke(str(dest), "-y", "--pretend")
    assert result.exit_code == 0, result.output
    assert "pyproject.toml" in result.output
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_answers_file(invoke: Invoke, tmp_path: Path) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text("_src_path: ignored\nexample: minimal\nstate_store: postgres\n")
    dest = tmp_path / "af"
    result = invoke(str(dest), "-y", "--answers-file", str(answers_file), "--no-git")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["example"], answers["state_store"]) == ("minimal", "postgres")


def test_data_overrides_answers_file(invoke: Invoke, tmp_path: Path) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text("example: minimal\n")
    dest = tmp_path / "o"
    result = invoke(str(dest), "-y", "--answers-file", str(answers_file), "-d", "example=calculator")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["example"] == "calculator"


def test_force_writes_into_non_empty_dir(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    refused = invoke(str(dest), "-y")
    assert refused.exit_code == 2
    assert "not empty" in refused.output
    assert tree(dest) == {"notes.txt"}
    forced = invoke(str(dest), "-y", "--force")
    assert forced.exit_code == 0, forced.output
    assert (dest / "notes.txt").read_text() == "keep me"
    assert (dest / ".copier-answers.yml").is_file()


def test_empty_existing_dir_is_fine(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    result = invoke(str(dest), "-y")
    assert result.exit_code == 0, result.output
    assert (dest / ".git").is_dir()


BAD_INPUTS = [
    (["-d", "package_name=class"], "keyword"),
    (["-d", "package_name=json"], "standard library"),
    (["-d", "package_name=Bad-Name"], "lowercase Python identifier"),
    (["-d", "project_name=-x"], "project_name"),
    (["-d", "llm_provider=gemini"], "not one of"),
    (["-d", "python_version=3.9"], "not one of"),
    (["-d", "http_api=maybe"], "true or false"),
    (["-d", "author_email=nobody"], "email"),
    (["-d", "colour=blue"], "unknown question"),
    (["-d", "novalue"], "KEY=VALUE"),
    (["--vcs-ref", "v1"], "--vcs-ref needs --template"),
    (["--template", "/nonexistent/template"], "not found"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUTS)
def test_bad_input_fails_cleanly(invoke: Invoke, tmp_path: Path, extra: list[str], message: str) -> None:
    dest = tmp_path / "bad"
    result = invoke(str(dest), "-y", *extra)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a staging directory


def test_answers_file_errors(invoke: Invoke, tmp_path: Path) -> None:
    not_yaml = tmp_path / "a.yml"
    not_yaml.write_text("key: [unclosed\n")
    not_mapping = tmp_path / "b.yml"
    not_mapping.write_text("- a\n- b\n")
    for path, message in [
        (not_yaml, "not valid YAML"),
        (not_mapping, "must be a mapping"),
        (tmp_path / "missing.yml", "cannot read"),
    ]:
        result = invoke(str(tmp_path / "x"), "-y", "--answers-file", str(path))
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not (tmp_path / "x").exists()


def test_template_that_is_not_a_git_repo(invoke: Invoke, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "copier.yml").write_text("name: {type: str, default: x}\n")
    result = invoke(str(tmp_path / "out"), "-y", "--template", str(plain))
    assert result.exit_code == 1
    assert "not a git repository" in result.output
    assert not (tmp_path / "out").exists()


def test_no_tty_and_no_answers_names_the_missing_flags(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "q"), "-d", "example=minimal")
    assert result.exit_code == 2
    assert "--data llm_provider=" in result.output
    assert "--data example=" not in result.output
    assert "--defaults" in result.output
    assert not (tmp_path / "q").exists()


def test_json_error_is_machine_readable(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "q"), "-y", "--json", "-d", "llm_provider=nope")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert "llm_provider" in payload["error"]


def test_template_and_vcs_ref(invoke: Invoke, template_repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "from-git"
    result = invoke(str(dest), "-y", "--template", str(template_repo), "--vcs-ref", "v0.1.0")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v0.1.0"
    assert answers["_src_path"] == str(template_repo)  # absolute, so later updates find it


def test_copier_warnings_about_the_chosen_template_reach_the_user(
    invoke: Invoke, template_repo: Path, tmp_path: Path
) -> None:
    (template_repo / "templates" / "agent" / "NOTES.md").write_text("uncommitted\n")
    template = ["--template", str(template_repo), "--vcs-ref", "HEAD"]  # the working copy
    dirty = invoke(str(tmp_path / "dirty"), "-y", "--no-git", *template)
    assert dirty.exit_code == 0, dirty.output
    assert "note: copier: Dirty template changes included automatically." in dirty.output
    assert (tmp_path / "dirty" / "NOTES.md").is_file()
    bundled = invoke(str(tmp_path / "bundled"), "-y", "--no-git")
    assert bundled.exit_code == 0, bundled.output
    assert "copier:" not in bundled.output  # copier's plumbing and the bundled template: silent


def test_unknown_vcs_ref(invoke: Invoke, template_repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "bad-ref"
    result = invoke(str(dest), "-y", "--template", str(template_repo), "--vcs-ref", "v9.9.9")
    assert result.exit_code == 1
    assert "v9.9.9" in result.output
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["template-src"]


def test_unreachable_template_url(invoke: Invoke, tmp_path: Path) -> None:
    url = (tmp_path / "nowhere" / "repo.git").as_uri()  # a URL source: no network needed to fail
    result = invoke(str(tmp_path / "u"), "-y", "--template", url)
    assert result.exit_code == 1
    assert "cannot use template" in result.output
    assert not (tmp_path / "u").exists()


def test_debug_shows_the_traceback(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "d"), "-y", "--debug", "-d", "llm_provider=nope")
    assert result.exit_code != 0
    assert result.exception is not None
    assert "llm_provider" in str(result.exception)


def test_force_commits_only_the_generated_files(invoke: Invoke, tmp_path: Path) -> None:
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "private.txt").write_text("not for the template's commit")
    result = invoke(str(dest), "-y", "--force")
    assert result.exit_code == 0, result.output
    assert "private.txt" not in git(dest, "ls-files").splitlines()
    assert "?? private.txt" in git(dest, "status", "--porcelain")


@pytest.mark.parametrize("name", ["Bad Name!", "123abc"])
def test_invalid_destination_name_is_not_silently_replaced(invoke: Invoke, tmp_path: Path, name: str) -> None:
    result = invoke(str(tmp_path / name), "-y")
    assert result.exit_code == 2
    assert "from the destination's name" in result.output
    assert "--data project_name=" in result.output
    assert list(tmp_path.iterdir()) == []
    named = invoke(str(tmp_path / name), "-y", "-d", "project_name=good-name")
    assert named.exit_code == 0, named.output


@pytest.mark.parametrize(
    "answer",
    ["description=ends with \\", "author_name=A \"quoted\" name", "description=two\nlines", "model=gpt 4",
     'author_email=a"b@example.com'],
)  # fmt: skip
def test_text_that_would_break_generated_files_is_refused(
    invoke: Invoke, tmp_path: Path, answer: str
) -> None:
    result = invoke(str(tmp_path / "t"), "-y", "-d", answer)
    assert result.exit_code == 2
    assert answer.split("=")[0] in result.output
    assert not (tmp_path / "t").exists()


def test_answers_file_that_is_not_text(invoke: Invoke, tmp_path: Path) -> None:
    binary = tmp_path / "bin.yml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = invoke(str(tmp_path / "b"), "-y", "--answers-file", str(binary))
    assert result.exit_code == 2
    assert "not UTF-8" in result.output
