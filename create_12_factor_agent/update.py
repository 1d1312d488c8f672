"""`update`: friendly pre-checks, then copier's own update, then a report of conflicted files."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from create_12_factor_agent import gitutil, upstream
from create_12_factor_agent.copier_notices import copier_notices
from create_12_factor_agent.errors import UpdateError, first_line
from create_12_factor_agent.scaffold import ANSWERS_FILE, Progress
from create_12_factor_agent.source import resolve_source

_CONFLICT_START = "<<<<<<< "
_CONFLICT_END = ">>>>>>> "
# The tree was clean before the update (checked), so this undoes exactly what the update wrote.
ABORT_COMMAND = "git reset --hard && git clean -fd"


@dataclass
class UpdateResult:
    path: Path
    old_commit: str
    new_commit: str | None
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # files with conflict markers
    rejected: list[str] = field(default_factory=list)  # *.rej files: hunks copier could not place
    pretend: bool = False
    notes: list[str] = field(default_factory=list)  # copier's warnings about the template

    @property
    def unresolved(self) -> list[str]:
        return [*self.conflicts, *self.rejected]


def read_project_answers(path: Path) -> dict[str, object]:
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        raise UpdateError(
            f"not a generated project (no {ANSWERS_FILE}): {path}",
            hint="run update inside a project made by create-12-factor-agent, or pass its path",
        )
    try:
        loaded = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise UpdateError(
            f"{ANSWERS_FILE} is not valid YAML{line}",
            hint=f"restore it with `git checkout -- {ANSWERS_FILE}` or fix it by hand",
        ) from error
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
    return answers


def update(
    path: Path,
    *,
    data: Mapping[str, object] | None = None,
    vcs_ref: str | None = None,
    template: str | None = None,
    pretend: bool = False,
    progress: Progress = lambda _message: None,
) -> UpdateResult:
    """Merge the template's changes into the project; with `pretend`, into a throw-away clone."""
    path = path.expanduser().resolve()
    progress("Checking the project")
    answers = preflight(path)
    recorded = str(answers["_src_path"])
    if template is not None:
        template = resolve_source(template, None).location  # same checks as `new --template`
    with upstream.redirected(recorded, template) as source:
        upstream.check_reachable(source)
        if vcs_ref is not None:
            upstream.check_ref(source, vcs_ref)
        progress(f"Updating from {source}" + (" (pretend: in a scratch clone)" if pretend else ""))
        if not pretend:
            return _apply(path, str(answers["_commit"]), data, vcs_ref)
        with tempfile.TemporaryDirectory(prefix="c12fa-update-") as scratch:
            top = Path(gitutil.run_git(path, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
            gitutil.run_git(path, "clone", "--quiet", "--no-hardlinks", str(top), str(Path(scratch) / "p"))
            clone = Path(scratch) / "p" / path.relative_to(top)
            result = _apply(clone, str(answers["_commit"]), data, vcs_ref)
            result.path, result.pretend = path, True
            return result


def _apply(
    path: Path, old_commit: str, data: Mapping[str, object] | None, vcs_ref: str | None
) -> UpdateResult:
    from copier import run_update  # lazy: importing copier costs about half a second
    from copier.errors import CopierError

    notes: list[str] = []
    try:
        # The template is the project's upstream (or --template): the user's choice, so its
        # warnings are shown.
        with copier_notices(notes, bundled=False):
            run_update(
                path,
                data=dict(data or {}),
                vcs_ref=vcs_ref,
                defaults=True,  # keep the recorded answers; new questions take their defaults
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
        conflicts=[name for name in changed if not name.endswith(".rej") and _has_markers(path / name)],
        rejected=[name for name in changed if name.endswith(".rej")],
        notes=notes,
    )


def _has_markers(file: Path) -> bool:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    lines = text.splitlines()
    return any(line.startswith(_CONFLICT_START) for line in lines) and any(
        line.startswith(_CONFLICT_END) for line in lines
    )
