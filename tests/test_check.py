"""`check`: a generated project passes every factor; breaking it in each checked way fails that factor."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from create_12_factor_agent.audit import AuditReport, audit
from create_12_factor_agent.cli import normalize_argv

from .conftest import Invoke
from .generated import copy_project, package_dir


@pytest.fixture
def minimal(pristine_minimal: Path, tmp_path: Path) -> Path:
    return copy_project(pristine_minimal, tmp_path / "agent")


def statuses(report: AuditReport) -> dict[int, str]:
    return {finding.factor: finding.status for finding in report.findings}


def test_a_generated_project_passes_every_check(pristine: Path) -> None:
    report = audit(pristine)
    assert report.ok
    assert set(statuses(report).values()) == {"pass"}, [f for f in report.findings if f.status != "pass"]
    assert set(statuses(report)) >= {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
    # Evidence points at real lines of real files.
    for finding in report.findings:
        assert finding.evidence, finding
        for evidence in finding.evidence:
            assert (pristine / evidence.path).is_file(), evidence


def test_a_minimal_project_passes_with_one_trigger_as_a_warning(pristine_minimal: Path) -> None:
    report = audit(pristine_minimal)
    assert report.ok
    assert statuses(report)[11] == "warn"
    assert "one trigger only (CLI)" in report.by_factor(11).summary
    assert {s for f, s in statuses(report).items() if f != 11} == {"pass"}


# --- ways to break a project, each aimed at one factor -------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def substitute(project: Path, pattern: str, replacement: str) -> None:
    """Apply a regex to every module of the package; the pattern must match somewhere."""
    hits = 0
    for file in package_dir(project).rglob("*.py"):
        text = file.read_text(encoding="utf-8")
        new, count = re.subn(pattern, replacement, text)
        if count:
            file.write_text(new, encoding="utf-8")
            hits += count
    assert hits, f"{pattern!r} matched nothing: the template changed, update this test"


def remove(project: Path, relative: str) -> None:
    target = package_dir(project) / relative
    assert target.exists(), target
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()


def chain(*actions: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        for action in actions:
            action(project)

    return apply


def add_module(project: Path, relative: str, text: str) -> None:
    write(package_dir(project) / relative, text)


LOOP_WITHOUT_LIMIT = """
def step(thread: object) -> object:
    return thread


def run(thread: object) -> object:
    while True:
        thread = step(thread)
"""

THREAD_WITH_STORED_STATUS = """
from pydantic import BaseModel


class Thread(BaseModel):
    id: str
    events: list[dict[str, str]] = []
    status: str = "running"
"""

TOOL_WITH_ANY = '''
from typing import Any, Literal

from pydantic import BaseModel


class Webhook(BaseModel):
    """Call any webhook."""

    intent: Literal["webhook"] = "webhook"
    payload: dict[str, Any]
'''


MUTATED_GLOBAL = """
SEEN: dict[str, int] = {}


def remember(key: str) -> None:
    SEEN[key] = 1
"""

GLOBAL_STATEMENT = """
COUNT = 0


def bump() -> None:
    global COUNT
    COUNT += 1
"""


EXTRA_TOOL = """from typing import Literal

from ..policy import Policy
from .base import Intent, Tool


class Extra{i}(Intent):
    \"\"\"Extra.\"\"\"

    intent: Literal["extra_{i}"] = "extra_{i}"


TOOL = Tool(model=Extra{i}, policy=Policy.TERMINAL)
"""


def _many_tools(project: Path) -> None:
    for i in range(12):
        add_module(project, f"tools/extra_{i}.py", EXTRA_TOOL.format(i=i))


def _delete_loop_tests(project: Path) -> None:
    """Delete every test module that calls step(), as a user pruning "slow" tests might."""
    loop_tests = [f for f in (project / "tests").glob("test_*.py") if re.search(r"\bstep\(", f.read_text())]
    assert loop_tests
    for file in loop_tests:
        file.unlink()


@dataclass(frozen=True)
class Case:
    factor: int
    status: str  # what the broken factor reports
    apply: Callable[[Path], None]
    knock_on: tuple[int, ...] = ()  # other factors a whole-file rewrite may also affect


CASES: dict[str, Case] = {
    "no prompt files": Case(2, "fail", lambda p: remove(p, "prompts"), (10,)),
    "prompt only inline": Case(
        2,
        "fail",
        chain(
            lambda p: remove(p, "prompts"),
            lambda p: write(
                package_dir(p) / "prompts.py", 'SYSTEM = "You are a helpful agent. ' + "x" * 80 + '"\n'
            ),
        ),
        (10,),
    ),
    "prompt files plus an inline prompt": Case(
        2,
        "fail",
        lambda p: add_module(p, "extra.py", 'BACKUP = "You are a helpful agent, ' + "y" * 80 + '"\n'),
    ),
    "no context renderer": Case(3, "fail", lambda p: remove(p, "context.py")),
    "framework owns the context": Case(
        3,
        "fail",
        lambda p: add_module(p, "memory.py", "from langchain.memory import ConversationBufferMemory\n"),
    ),
    "context renderer never called": Case(
        3, "warn", lambda p: substitute(p, r"\brender_context\(thread[^)]*\)", "str(thread)")
    ),
    "untyped tool argument": Case(4, "fail", lambda p: add_module(p, "tools/webhook.py", TOOL_WITH_ANY)),
    "unregistered tool": Case(
        4, "fail", lambda p: substitute(p, r"\nTOOL = Tool\(model=Add,", "\nADD = dict(model=Add,"), (10,)
    ),
    "duplicate intent": Case(
        4, "fail", lambda p: substitute(p, r'Literal\["subtract"\] = "subtract"', 'Literal["add"] = "add"')
    ),
    "no tool models": Case(
        4,
        "fail",
        lambda p: substitute(p, r'intent: Literal\[("\w+")\] = "\w+"', r"intent: str = \1"),
        (7, 10),
    ),
    "no discriminated union": Case(
        4, "warn", lambda p: substitute(p, r'discriminator="intent"', 'discriminator="kind"')
    ),
    "thread stores its status": Case(
        5, "fail", lambda p: write(package_dir(p) / "thread.py", THREAD_WITH_STORED_STATUS)
    ),
    "no thread model": Case(5, "fail", lambda p: remove(p, "thread.py")),
    "no launch entry point": Case(6, "fail", lambda p: substitute(p, r"def (launch\w*)\(", r"def begin_\1(")),
    "no resume entry point": Case(
        6,
        "fail",
        lambda p: substitute(p, r"def (respond|resume|resume_thread|reply|approve)\(", r"def on_\1("),
    ),
    "threads not persisted": Case(
        6, "warn", lambda p: substitute(p, r"class (\w+)Store\b", r"class \1Repository")
    ),
    "no human contact tool": Case(7, "fail", lambda p: remove(p, "tools/request_more_information.py"), (10,)),
    "no terminal tool": Case(7, "warn", lambda p: remove(p, "tools/done_for_now.py"), (10,)),
    "loop without a step limit": Case(
        8, "fail", lambda p: substitute(p, r"(>=?|<=?) *max_steps\b", r"\1 1_000_000")
    ),
    "no loop at all": Case(
        8,
        "fail",
        lambda p: write(package_dir(p) / "agent.py", "def step(thread: str) -> str:\n    return thread\n"),
        (3, 9, 10),
    ),
    "no policy table": Case(8, "warn", lambda p: substitute(p, r"class Policy\(", "class Kind(")),
    "no error event": Case(
        9,
        "fail",
        chain(
            lambda p: substitute(p, r"\bErrorEvent\b", "Oops"),
            lambda p: substitute(p, r'Literal\["error"\]', 'Literal["oops"]'),
        ),
    ),
    "no error limit": Case(
        9,
        "fail",
        chain(
            lambda p: substitute(p, r"\bERROR_LIMIT\b", "ERRS"),
            lambda p: substitute(p, r"\bconsecutive_errors\b", "bad_in_a_row"),
        ),
    ),
    "high error limit": Case(9, "warn", lambda p: substitute(p, r"\bERROR_LIMIT = \d+", "ERROR_LIMIT = 9")),
    "too many tools": Case(10, "warn", _many_tools),
    "huge prompt": Case(
        10, "warn", lambda p: write(package_dir(p) / "prompts" / "long.md", "Be careful. " * 600)
    ),
    "high step cap": Case(10, "warn", lambda p: add_module(p, "limits.py", "MAX_STEPS = 50\n")),
    "module-level state": Case(12, "fail", lambda p: add_module(p, "cache.py", MUTATED_GLOBAL)),
    "global statement": Case(12, "fail", lambda p: add_module(p, "counter.py", GLOBAL_STATEMENT)),
    "no reducer": Case(12, "warn", lambda p: substitute(p, r"def step\(", "def decide_once("), (1,)),
    "no tests directory": Case(1, "fail", lambda p: shutil.rmtree(p / "tests")),
    "loop tests deleted": Case(1, "fail", _delete_loop_tests),
    "no pre-fetch": Case(13, "warn", lambda p: remove(p, "prefetch.py")),
    "syntax error": Case(0, "fail", lambda p: add_module(p, "broken.py", "def oops(:\n")),
}


@pytest.mark.parametrize("name", CASES)
def test_breaking_a_project_is_caught_by_the_right_factor(project: Path, name: str) -> None:
    case = CASES[name]
    assert statuses(audit(project)).get(case.factor, "pass") == "pass"
    case.apply(project)
    report = audit(project)
    finding = report.by_factor(case.factor)
    assert finding.status == case.status, finding
    assert finding.fix, "a finding that is not a pass says how to fix it"
    knock_on_failed = any(report.by_factor(f).status == "fail" for f in case.knock_on)
    assert report.ok is (case.status == "warn" and not knock_on_failed)
    others = {f: s for f, s in statuses(report).items() if f not in (case.factor, *case.knock_on)}
    assert set(others.values()) == {"pass"}, others


def test_no_trigger_fails_and_one_trigger_warns(minimal: Path) -> None:
    assert audit(minimal).by_factor(11).status == "warn"
    pyproject = minimal / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(".cli:main", ".gone:main"))
    (package_dir(minimal) / "__main__.py").unlink()
    finding = audit(minimal).by_factor(11)
    assert finding.status == "fail"
    assert finding.fix


def test_evidence_names_file_and_line(project: Path) -> None:
    add_module(
        project, "cache.py", "\n\nSEEN: list[str] = []\n\n\ndef see(x: str) -> None:\n    SEEN.append(x)\n"
    )
    finding = audit(project).by_factor(12)
    assert [e.location for e in finding.evidence] == ["src/agent/cache.py:3"]


def test_check_never_runs_the_projects_code(project: Path, tmp_path: Path) -> None:
    sentinel = tmp_path / "ran"
    for name in ("agent.py", "tools/__init__.py", "__init__.py"):
        path = package_dir(project) / name
        path.write_text(f"open({str(sentinel)!r}, 'w').close()\n" + path.read_text())
    assert audit(project).ok
    assert not sentinel.exists()


# --- the command ---------------------------------------------------------------------------------


def test_cli_prints_a_table_and_exits_0(invoke: Invoke, pristine: Path) -> None:
    result = invoke("check", str(pristine))
    assert result.exit_code == 0, result.output
    assert "Own your prompts" in result.output
    assert "prompts.py:" in result.output
    assert "0 failed" in result.output


def test_cli_exits_1_and_shows_the_fix_when_a_check_fails(invoke: Invoke, project: Path) -> None:
    remove(project, "tools/request_more_information.py")
    result = invoke("check", str(project))
    assert result.exit_code == 1
    assert "✗ fail" in result.output
    assert "1 failed" in result.output


def test_cli_json_is_one_object_with_every_finding(invoke: Invoke, project: Path) -> None:
    remove(project, "prefetch.py")
    result = invoke("check", str(project), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["counts"]["warn"] == 1
    by_factor = {f["factor"]: f for f in report["findings"]}
    assert by_factor[13]["status"] == "warn"
    assert by_factor[13]["fix"]
    assert by_factor[2]["evidence"][0]["path"].startswith("src/agent/")
    assert isinstance(by_factor[2]["evidence"][0]["line"], int)


def test_cli_json_exit_1_on_failure(invoke: Invoke, project: Path) -> None:
    remove(project, "context.py")
    result = invoke("check", str(project), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [f["factor"] for f in report["findings"] if f["status"] == "fail"] == [3]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "has no pyproject.toml"),
        (lambda p: (p / "pyproject.toml").write_text('[project]\nname = "x"\n'), "no Python package"),
        (lambda p: (p / "pyproject.toml").write_text("[project\n"), "not valid TOML"),
    ],
    ids=["empty folder", "no package", "bad toml"],
)
def test_not_a_project_exits_2_with_one_line(
    invoke: Invoke, tmp_path: Path, setup: Callable[[Path], object], message: str
) -> None:
    setup(tmp_path)
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) <= 2  # the error, and at most a hint


def test_missing_path_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "not a directory" in result.output


def test_check_does_not_load_copier(pristine: Path) -> None:
    probe = (
        "import sys\nfrom create_12_factor_agent.cli import main\n"
        f"sys.argv = ['c', 'check', {str(pristine)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('copier' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr


@pytest.mark.parametrize("argv", [["check"], ["check", "."], ["add", "tool", "x"], ["--json", "check"]])
def test_check_and_add_are_commands_not_destinations(argv: list[str]) -> None:
    assert normalize_argv(argv) == argv
