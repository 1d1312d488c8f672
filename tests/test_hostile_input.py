"""Hostile or unlucky input to the generator: each is one line and a non-zero exit, never a
traceback, and nothing is left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from create_12_factor_agent import reserved
from create_12_factor_agent.answers import MAX_ANSWERS_BYTES
from create_12_factor_agent.scaffold import remove_stale_temporaries
from create_12_factor_agent.textcheck import ambiguous_characters

from .conftest import REPO_ROOT, Invoke

BOMB = "\n".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        "project_name: *i",
    ]
)


def _refused(result: object, message: str) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert message in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) <= 2  # the error, and at most a hint


def test_yaml_alias_bomb_is_refused_before_it_expands(invoke: Invoke, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(BOMB)  # nine levels: 9**9 strings if the aliases were expanded
    _refused(invoke(str(tmp_path / "x"), "-y", "--answers-file", str(bomb)), "aliases")
    assert not (tmp_path / "x").exists()


def test_endless_answers_file_is_capped(invoke: Invoke, tmp_path: Path) -> None:
    _refused(invoke(str(tmp_path / "x"), "-y", "--answers-file", "/dev/zero"), "larger than")
    big = tmp_path / "big.yml"
    big.write_text("description: " + "x" * MAX_ANSWERS_BYTES)
    _refused(invoke(str(tmp_path / "x"), "-y", "--answers-file", str(big)), "larger than")


def test_long_value_is_clipped_in_the_error(invoke: Invoke, tmp_path: Path) -> None:
    answers = tmp_path / "long.yml"
    answers.write_text("llm_provider: " + "z" * 5000)
    result = invoke(str(tmp_path / "x"), "-y", "--answers-file", str(answers))
    _refused(result, "llm_provider")
    assert len(result.output) < 400


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("author_email=a\x01b@example.com", "email"),
        ("author_email=ab@exa\x7fmple.com", "email"),
        ("project_name=openai", "dependency"),
        ("project_name=FastAPI", "dependency"),
        ("package_name=pytest", "shadow the module 'pytest'"),
        ("package_name=yaml", "shadow the module 'yaml'"),
        ("description=Answers \u2018politely\u2019", "look like ASCII"),
        ("description=Size 2\u00d73", "look like ASCII"),
        ("description=two\u2028lines", "invisible"),
        ("description=" + "word " * 18, "88 columns"),
        ("description=" + "\u65e5\u672c" * 23, "88 columns"),
    ],
)
def test_answers_that_would_break_the_project_are_refused(
    invoke: Invoke, tmp_path: Path, answer: str, message: str
) -> None:
    _refused(invoke(str(tmp_path / "t"), "-y", "-d", answer), message)
    assert list(tmp_path.iterdir()) == []


def test_every_direct_dependency_of_a_generated_project_is_reserved() -> None:
    pyproject = (REPO_ROOT / "templates" / "agent" / "pyproject.toml.jinja").read_text()
    names = {
        line.strip().strip('",').split("[")[0].split(">")[0].split("=")[0]
        for line in pyproject.splitlines()
        if line.strip().startswith('"') and (">=" in line or "==" in line)
    }
    assert {"openai", "pytest"} <= names
    assert {reserved.normalize(name) for name in names} <= reserved.DEPENDENCY_DISTRIBUTIONS
    root = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    for requirement in root["dependency-groups"]["generated"]:
        name = str(requirement).split("[")[0].split(">")[0]
        assert reserved.normalize(name) in reserved.DEPENDENCY_DISTRIBUTIONS, name


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff is not installed")  # fmt: skip
def test_ambiguous_character_list_matches_the_installed_ruff(tmp_path: Path) -> None:
    """ambiguous.txt is exactly what this ruff flags among printable non-ASCII characters."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    chars = [chr(c) for c in range(0x80, 0x30000) if not 0xD800 <= c <= 0xDFFF and chr(c).isprintable()]
    probe = tmp_path / "probe.py"
    probe.write_text("".join(f'x = "{char}"\n' for char in chars), encoding="utf-8")
    result = subprocess.run(
        [ruff, "check", "--isolated", "--select", "RUF001", "--output-format", "json", str(probe)],
        capture_output=True,
        text=True,
    )
    flagged = {chars[finding["location"]["row"] - 1] for finding in json.loads(result.stdout)}
    assert flagged == ambiguous_characters()


def test_symlinked_destination_is_refused(invoke: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    for name, points_to in [("link", target), ("dangling", tmp_path / "nowhere")]:
        (tmp_path / name).symlink_to(points_to)
        result = invoke(str(tmp_path / name), "-y", "--no-git")
        _refused(result, "symbolic link")
        assert (tmp_path / name).is_symlink()
    assert list(target.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="no /proc on this system")
@pytest.mark.parametrize("dest", ["/proc/agent", "/sys/agent", "/proc"])
def test_pseudo_filesystem_destination_is_one_line(invoke: Invoke, dest: str) -> None:
    result = invoke(dest, "-y", "--no-git", "--force")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert dest.split("/")[1] in result.output


def test_killed_runs_staging_is_swept_by_a_run_for_another_destination(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".first.c12fa-{dead.stdout.strip()}-abc.tmp"
    (stale / "src").mkdir(parents=True)
    live = tmp_path / f".other.c12fa-{os.getpid()}-abc.tmp"
    live.mkdir()
    remove_stale_temporaries(tmp_path)
    assert not stale.exists()
    assert live.exists()  # a generation still running elsewhere is left alone


def test_answers_file_of_another_project_warns(invoke: Invoke, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: billing-agent\n")
    result = invoke(
        str(tmp_path / "support-agent"), "-y", "--no-git", "--pretend", "--answers-file", str(answers)
    )
    assert result.exit_code == 0, result.output
    assert "names the project 'billing-agent'" in result.output
    assert "--data project_name=support-agent" in result.output
    quiet = invoke(
        str(tmp_path / "support-agent"), "-y", "--no-git", "--pretend", "--answers-file", str(answers),
        "-d", "project_name=support-agent",
    )  # fmt: skip
    assert "warning" not in quiet.output


def test_ctrl_c_while_starting_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """The process waits on a FIFO (the answers file), so a signal at any delay finds it alive."""
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    script = shutil.which("create-12-factor-agent") or str(
        Path(sys.executable).parent / "create-12-factor-agent"
    )
    outcomes = []
    for delay in [0.15, 0.3, 0.6, 1.0, 2.0]:
        process = subprocess.Popen(
            [script, str(tmp_path / "x"), "-y", "--answers-file", str(fifo)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
        outcomes.append(process.returncode)
        text = output.decode()
        if process.returncode == -signal.SIGINT and not text:
            continue  # landed before Python's own handler was installed: the shell shows 130 too
        assert process.returncode == 130, text
        assert "Traceback" not in text
        assert len(text.strip().splitlines()) <= 1  # "error: interrupted", or typer's silent 130
    assert 130 in outcomes


def test_author_defaults_come_from_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from create_12_factor_agent.commands import git_identity

    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(tmp_path)
    assert git_identity() == {"author_name": "Ada Lovelace", "author_email": "ada@example.com"}
