"""GitHub workflows, this repo's and generated projects', checked offline by real linters.

check-jsonschema validates each file against the published workflow / Dependabot schema; zizmor
audits what a schema cannot see (permissions, persisted credentials, template injection, unpinned
actions, trusted publishing). actionlint itself is not used: its PyPI wrapper downloads the binary
from GitHub at install time, which fails offline.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO_ROOT
from .generated import generate

BIN = Path(sys.executable).parent
WITH_CI: dict[str, tuple[str, ...]] = {
    "default": (),
    "all-features": ("state_store=postgres", "http_api=true", "docker=true", "github_ci=true"),
}


@pytest.fixture(scope="module", params=sorted(WITH_CI))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("wf") / "agent", WITH_CI[request.param])


def _lint(*paths: Path) -> None:
    workflows = sorted(p for path in paths for p in (path / "workflows").glob("*.yml"))
    assert workflows
    for command in (
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows],
        [
            BIN / "check-jsonschema",
            "--builtin-schema",
            "vendor.dependabot",
            *(p / "dependabot.yml" for p in paths),
        ],
        [BIN / "zizmor", "--offline", "--no-progress", "--format", "plain", *paths],
    ):
        result = subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_this_repos_workflows_pass_the_linters() -> None:
    _lint(REPO_ROOT / ".github")


def test_generated_workflows_pass_the_linters(project: Path) -> None:
    _lint(project / ".github")


def test_release_workflow_builds_checks_smoke_tests_and_publishes_with_trusted_publishing() -> None:
    release = yaml.safe_load((REPO_ROOT / ".github/workflows/release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
    steps = "\n".join(
        str(step.get("run", "")) for job in release["jobs"].values() for step in job.get("steps", [])
    )
    assert "uv build" in steps
    assert "twine check --strict" in steps
    assert "uvx --from ./dist/*.whl create-12-factor-agent" in steps
    assert "uv run pytest" in steps
    publish = release["jobs"]["publish"]
    assert set(publish["needs"]) == {"build", "generated"}
    assert publish["permissions"] == {"id-token": "write"}
    assert "--trusted-publishing always" in steps


def test_generated_ci_installs_from_the_lock_and_pre_commit_guards_conflicts(project: Path) -> None:
    ci = (project / ".github/workflows/ci.yml").read_text()
    assert "uv sync --locked\n" in ci
    assert "|| uv sync" not in ci
    hooks = {
        hook["id"]: hook
        for repo in yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"]
        for hook in repo["hooks"]
    }
    assert hooks["check-merge-conflict"]["args"] == ["--assume-in-merge"]
    assert (hooks["no-rej-files"]["language"], hooks["no-rej-files"]["files"]) == ("fail", r"\.rej$")
    # ruff and mypy come from the project environment, so no hook pins a version uv.lock disagrees with
    assert {hooks[name]["entry"].split()[:3][-1] for name in ("ruff", "ruff-format", "mypy")} == {
        "ruff",
        "mypy",
    }
    assert all(hooks[name]["language"] == "system" for name in ("ruff", "ruff-format", "mypy"))


def test_weekly_template_update_opens_a_pull_request_without_trust(project: Path) -> None:
    workflow = yaml.safe_load((project / ".github/workflows/template-update.yml").read_text())
    assert workflow[True]["schedule"] == [{"cron": "17 6 * * 1"}]
    steps = workflow["jobs"]["update"]["steps"]
    runs = "\n".join(str(step.get("run", "")) for step in steps)
    assert "copier check-update" in runs
    assert "copier update --defaults --conflict inline" in runs
    assert any(str(step.get("uses", "")).startswith("peter-evans/create-pull-request@") for step in steps)
    assert "--trust" not in runs
    assert "--UNSAFE" not in runs
    # what would make copier demand trust on every update: the template has none of it
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    assert not {"_tasks", "_migrations", "_jinja_extensions"} & set(config)


def test_without_github_ci_there_is_no_github_folder(tmp_path: Path) -> None:
    project = generate(tmp_path / "agent", ("github_ci=false",))
    assert not (project / ".github").exists()
