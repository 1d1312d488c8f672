"""Updates against a real local git template source: merge, conflicts, and every refusal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from create_12_factor_agent.source import CANONICAL_URL

from .conftest import REPO_ROOT, Invoke, git
from .generated import generate

NOTES = "templates/agent/NOTES.md"


def _release(repo: Path, tag: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"template {tag}")
    git(repo, "tag", tag)


@pytest.fixture
def project(invoke: Invoke, template_repo: Path, tmp_path: Path) -> Path:
    """A project generated from v0.1.1 of a template whose NOTES.md the tests then change."""
    _release(template_repo, "v0.1.1", {NOTES: "alpha\nbeta\ngamma\n"})
    dest = tmp_path / "proj"
    result = invoke(str(dest), "-y", "--template", str(template_repo), "--vcs-ref", "v0.1.1")
    assert result.exit_code == 0, result.output
    return dest


def _user_edit(project: Path, old: str, new: str) -> None:
    notes = project / "NOTES.md"
    notes.write_text(notes.read_text().replace(old, new))
    git(project, "commit", "-q", "-am", "user edit")


def test_update_merges_template_change_and_keeps_user_edit(
    invoke: Invoke, project: Path, template_repo: Path
) -> None:
    _user_edit(project, "gamma", "gamma (mine)")
    _release(template_repo, "v0.2.0", {NOTES: "ALPHA\nbeta\ngamma\n", "templates/agent/NEW.md": "new\n"})
    result = invoke("update", str(project))
    assert result.exit_code == 0, result.output
    assert (project / "NOTES.md").read_text() == "ALPHA\nbeta\ngamma (mine)\n"
    assert (project / "NEW.md").read_text() == "new\n"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.2.0"
    assert "v0.1.1 → v0.2.0" in result.output


def test_update_to_a_chosen_version_with_changed_answer(
    invoke: Invoke, project: Path, template_repo: Path
) -> None:
    _release(template_repo, "v0.2.0", {"templates/agent/NEW.md": "new\n"})
    _release(template_repo, "v0.3.0", {"templates/agent/NEWER.md": "newer\n"})
    result = invoke("update", str(project), "--vcs-ref", "v0.2.0", "-d", "example=minimal", "--json")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["_commit"], answers["example"]) == ("v0.2.0", "minimal")
    assert (project / "NEW.md").exists()
    assert not (project / "NEWER.md").exists()


def test_conflicting_update_reports_files(invoke: Invoke, project: Path, template_repo: Path) -> None:
    _user_edit(project, "beta", "beta-user")
    _release(template_repo, "v0.2.0", {NOTES: "alpha\nbeta-template\ngamma\n"})
    result = invoke("update", str(project))
    assert result.exit_code == 1
    assert "conflict" in result.output
    assert "NOTES.md" in result.output
    assert "<<<<<<<" in (project / "NOTES.md").read_text()


def test_dirty_tree_is_refused_and_untouched(invoke: Invoke, project: Path, template_repo: Path) -> None:
    (project / "NOTES.md").write_text("uncommitted\n")
    (project / "scratch.txt").write_text("untracked\n")
    _release(template_repo, "v0.2.0", {NOTES: "changed\n"})
    result = invoke("update", str(project))
    assert result.exit_code == 1
    assert "uncommitted changes" in result.output
    assert "NOTES.md" in result.output
    assert "scratch.txt" in result.output
    assert (project / "NOTES.md").read_text() == "uncommitted\n"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.1.1"


def test_plain_copier_update_works(project: Path, template_repo: Path) -> None:
    _release(template_repo, "v0.2.0", {"templates/agent/NEW.md": "new\n"})
    subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--skip-tasks"],
        cwd=project,
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    assert (project / "NEW.md").read_text() == "new\n"


def test_update_refusals(invoke: Invoke, tmp_path: Path, template_repo: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("update", str(empty))
    assert result.exit_code == 1
    assert "not a generated project" in result.output

    no_git = tmp_path / "nogit"
    assert invoke(str(no_git), "-y", "--no-git", "--template", str(template_repo)).exit_code == 0
    result = invoke("update", str(no_git))
    assert result.exit_code == 1
    assert "not a git repository" in result.output

    dev = tmp_path / "dev"
    assert invoke(str(dev), "-y").exit_code == 0
    result = invoke("update", str(dev))
    assert result.exit_code == 1
    assert "no _commit" in result.output

    result = invoke("update", str(tmp_path / "missing"))
    assert result.exit_code == 1
    assert "no such project" in result.output


def test_unreachable_source(invoke: Invoke, project: Path, template_repo: Path) -> None:
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["_src_path"] = str(template_repo.parent / "moved-away")
    answers_path.write_text(yaml.safe_dump(answers))
    git(project, "commit", "-q", "-am", "point at a missing source")
    result = invoke("update", str(project))
    assert result.exit_code == 1
    assert "template source not found" in result.output


def _state(project: Path) -> tuple[dict[str, bytes], str, str]:
    """Files (outside .git), HEAD and status: equal before and after means nothing was written."""
    files = {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }
    return files, git(project, "rev-parse", "HEAD"), git(project, "status", "--porcelain")


def _one_error_line(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert "Traceback" not in output
    return errors[0]


def test_conflicts_are_listed_with_how_to_abort(invoke: Invoke, project: Path, template_repo: Path) -> None:
    _user_edit(project, "beta", "beta-user")
    _release(template_repo, "v0.2.0", {NOTES: "alpha\nbeta-template\ngamma\n"})
    result = invoke("update", str(project), "--defaults")
    assert result.exit_code == 1
    line = _one_error_line(result.output)
    assert "1 unresolved file(s): NOTES.md" in line
    assert "git reset --hard && git clean -fd" in result.output
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=project, check=True)
    subprocess.run(["git", "clean", "-qfd"], cwd=project, check=True)
    assert (project / "NOTES.md").read_text() == "alpha\nbeta-user\ngamma\n"  # the abort undoes it all


def test_pretend_reports_changes_and_conflicts_and_writes_nothing(
    invoke: Invoke, project: Path, template_repo: Path
) -> None:
    _user_edit(project, "beta", "beta-user")
    _release(
        template_repo, "v0.2.0", {NOTES: "alpha\nbeta-template\ngamma\n", "templates/agent/NEW.md": "n\n"}
    )
    before = _state(project)
    result = invoke("update", str(project), "--pretend", "-y")
    assert result.exit_code == 0, result.output
    assert "Would update v0.1.1 → v0.2.0" in result.output
    assert "would conflict NOTES.md" in result.output
    assert "change NEW.md" in result.output
    assert _state(project) == before
    summary = json.loads(invoke("update", str(project), "--pretend", "--json").stdout)
    assert (summary["pretend"], summary["conflicts"], summary["new_commit"]) == (True, ["NOTES.md"], "v0.2.0")
    assert _state(project) == before


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        ("missing_ref", "no tag, branch or commit 'v9.9.9'"),
        ("dirty", "uncommitted changes: NOTES.md"),
        ("bad_yaml", ".copier-answers.yml is not valid YAML (line"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    invoke: Invoke, project: Path, template_repo: Path, break_it: str, expected: str
) -> None:
    _release(template_repo, "v0.2.0", {NOTES: "changed\n"})
    args = ["update", str(project)]
    if break_it == "missing_ref":
        args += ["--vcs-ref", "v9.9.9"]
    elif break_it == "dirty":
        (project / "NOTES.md").write_text("uncommitted\n")
    else:
        answers = project / ".copier-answers.yml"
        answers.write_text(answers.read_text() + "example: [unclosed\n")
        git(project, "commit", "-q", "-am", "hand edit gone wrong")
    before = _state(project)
    result = invoke(*args)
    assert result.exit_code == 1
    assert expected in _one_error_line(result.output)
    assert _state(project) == before


def test_unpublished_canonical_source_names_template_option(
    invoke: Invoke, project: Path, template_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release-built project points at the public URL; before it is published, --template helps."""
    # Offline and deterministic: every github.com URL resolves to a directory that does not exist.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", f"url.{template_repo.parent / 'nowhere'}/.insteadOf")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "https://github.com/")
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["_src_path"] = CANONICAL_URL
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    git(project, "commit", "-q", "-am", "as a release build records it")
    _release(template_repo, "v0.2.0", {"templates/agent/NEW.md": "new\n"})

    result = invoke("update", str(project))
    assert result.exit_code == 1
    assert CANONICAL_URL in _one_error_line(result.output)
    assert "--template" in result.output

    result = invoke("update", str(project), "--template", str(template_repo))
    assert result.exit_code == 0, result.output
    assert (project / "NEW.md").read_text() == "new\n"
    updated = yaml.safe_load(answers_path.read_text())
    assert (updated["_commit"], updated["_src_path"]) == ("v0.2.0", CANONICAL_URL)


@pytest.mark.parametrize("answers", [(), ("state_store=postgres", "example=minimal", "github_ci=false")])
def test_readme_ownership_table_names_real_files(tmp_path: Path, answers: tuple[str, ...]) -> None:
    """Every file the "Who owns which file" table names exists, so the table can't go stale."""
    project = generate(tmp_path / "agent", answers)
    readme = (project / "README.md").read_text()
    table = readme.split("### Who owns which file", 1)[1].split("\n\n")[2]
    package = project / "src" / "agent"
    named = [token for token in re.findall(r"`([^`\s]+)`", table) if "*" not in token and "=" not in token]
    assert len(named) > 15
    missing = [name for name in named if not (project / name).exists() and not (package / name).exists()]
    assert not missing, missing
    assert "_skip_if_exists" not in yaml.safe_load((REPO_ROOT / "copier.yml").read_text())  # as it says


def test_pre_commit_hooks_refuse_an_unfinished_update(
    invoke: Invoke, project: Path, template_repo: Path, tmp_path: Path
) -> None:
    """The generated hooks, run for real: conflict markers and .rej files can't be committed."""
    _user_edit(project, "beta", "beta-user")
    _release(template_repo, "v0.2.0", {NOTES: "alpha\nbeta-template\ngamma\n"})
    assert invoke("update", str(project)).exit_code == 1
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    bin_dir = Path(sys.executable).parent

    def merge_check() -> subprocess.CompletedProcess[str]:
        command = [str(bin_dir / "check-merge-conflict"), *hooks["check-merge-conflict"]["args"], "NOTES.md"]
        return subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)

    refused = merge_check()
    assert refused.returncode == 1
    unflagged = subprocess.run([str(bin_dir / "check-merge-conflict"), "NOTES.md"], cwd=project, check=False)
    assert unflagged.returncode == 0  # why the flag: to git this is no merge, so the hook would pass it
    assert "NOTES.md:2: Merge conflict string '<<<<<<<' found" in refused.stdout
    (project / "NOTES.md").write_text("alpha\nbeta-user\ngamma\n")  # resolved
    assert merge_check().returncode == 0

    (project / "NOTES.md.rej").write_text("@@ -1 +1 @@\n-beta\n+beta-template\n")
    rej_only = tmp_path / "rej-only.yaml"
    rej_only.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hooks["no-rej-files"]]}]}))
    result = subprocess.run(
        [
            str(bin_dir / "pre-commit"),
            "run",
            "no-rej-files",
            "--config",
            str(rej_only),
            "--files",
            "NOTES.md.rej",
        ],
        cwd=project,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "merge each .rej file into its neighbour by hand" in result.stdout
