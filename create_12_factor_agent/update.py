"""`update`: friendly pre-checks, then copier's own update, then a report of conflicted files."""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from create_12_factor_agent import gitutil
from create_12_factor_agent.errors import UpdateError, first_line
from create_12_factor_agent.scaffold import ANSWERS_FILE, Progress

_CONFLICT_START = "<<<<<<< "
_CONFLICT_END = ">>>>>>> "
_REMOTE_TIMEOUT_S = 20


@dataclass
class UpdateResult:
    path: Path
    old_commit: str
    new_commit: str | None
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def read_project_answers(path: Path) -> dict[str, object]:
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        raise UpdateError(
            f"not a generated project (no {ANSWERS_FILE}): {path}",
            hint="run update inside a project made by create-12-factor-agent, or pass its path",
        )
    try:
        loaded = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise UpdateError(f"{ANSWERS_FILE} is not valid YAML") from error
    if not isinstance(loaded, dict):
        raise UpdateError(f"{ANSWERS_FILE} is not a mapping")
    return loaded


def preflight(path: Path) -> dict[str, object]:
    """Every reason copier would refuse (or silently do nothing), checked up front, one message each."""
    if not path.is_dir():
        raise UpdateError(f"no such project directory: {path}")
    answers = read_project_answers(path)
    if not gitutil.git_available():
        raise UpdateError("git is not installed; copier needs it to update")
    if not gitutil.is_work_tree(path):
        raise UpdateError(
            f"not a git repository: {path}",
            hint="copier merges updates with git: run `git init && git add -A && git commit -m init`",
        )
    dirty = gitutil.dirty_files(path)
    if dirty:
        shown = ", ".join(dirty[:10]) + (f" (+{len(dirty) - 10} more)" if len(dirty) > 10 else "")
        raise UpdateError(
            f"the working tree has uncommitted changes: {shown}",
            hint="commit or stash them first, so the update can be reviewed and undone",
        )
    if not answers.get("_commit"):
        raise UpdateError(
            f"{ANSWERS_FILE} has no _commit: the project was made by a development build, so there is"
            " no template version to update from",
            hint="generate from a tagged git source (--template SRC --vcs-ref TAG) to get updates",
        )
    source = answers.get("_src_path")
    if not isinstance(source, str) or not source:
        raise UpdateError(f"{ANSWERS_FILE} has no _src_path: the template source is unknown")
    _check_reachable(source)
    return answers


def update(
    path: Path,
    *,
    data: Mapping[str, object] | None = None,
    vcs_ref: str | None = None,
    progress: Progress = lambda _message: None,
) -> UpdateResult:
    path = path.expanduser().resolve()
    progress("Checking the project")
    answers = preflight(path)
    old_commit = str(answers["_commit"])

    from copier import run_update  # lazy: importing copier costs about half a second
    from copier.errors import CopierError

    progress(f"Updating from {answers['_src_path']}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_update(
                path,
                data=dict(data or {}),
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                conflict="inline",
                quiet=True,
                unsafe=False,
            )
    except CopierError as error:
        raise UpdateError(f"copier update failed: {first_line(error)}") from error
    except subprocess.CalledProcessError as error:
        raise UpdateError(f"copier update failed: {first_line(error)}") from error

    new_commit = read_project_answers(path).get("_commit")
    changed = gitutil.dirty_files(path)
    return UpdateResult(
        path=path,
        old_commit=old_commit,
        new_commit=str(new_commit) if new_commit else None,
        changed=changed,
        conflicts=[name for name in changed if _has_conflict(path / name)],
    )


def _check_reachable(source: str) -> None:
    local = Path(source).expanduser()
    if "://" not in source and not source.startswith("git@"):
        if not local.is_dir():
            raise UpdateError(f"template source not found: {source}")
        return
    try:
        result = subprocess.run(
            ["git", "ls-remote", "--exit-code", "--tags", source],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=_REMOTE_TIMEOUT_S,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except subprocess.TimeoutExpired as error:
        raise UpdateError(f"template source did not answer within {_REMOTE_TIMEOUT_S}s: {source}") from error
    if result.returncode not in (0, 2):  # 2: reachable, but no tags
        raise UpdateError(
            f"template source is unreachable: {source}",
            hint="check the network, or point _src_path in .copier-answers.yml at a local clone",
        )


def _has_conflict(file: Path) -> bool:
    if file.name.endswith(".rej"):
        return True
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    lines = text.splitlines()
    return any(line.startswith(_CONFLICT_START) for line in lines) and any(
        line.startswith(_CONFLICT_END) for line in lines
    )
