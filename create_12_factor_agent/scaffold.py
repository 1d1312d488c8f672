"""Render the template into a new project atomically: build it in a hidden sibling, then rename."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from create_12_factor_agent import gitutil
from create_12_factor_agent.copier_notices import copier_notices
from create_12_factor_agent.errors import (
    DestinationError,
    RenderError,
    TemplateSourceError,
    first_line,
)
from create_12_factor_agent.questions import Answer
from create_12_factor_agent.source import CANONICAL_URL, TemplateSource, release_tag

ANSWERS_FILE = ".copier-answers.yml"
_TMP_MARK = ".c12fa-"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScaffoldOptions:
    force: bool = False
    pretend: bool = False
    git: bool = True


@dataclass
class ScaffoldResult:
    destination: Path
    files: list[str]
    template: str
    template_commit: str | None = None
    git_commit: str | None = None
    notes: list[str] = field(default_factory=list)


def scaffold(
    destination: Path,
    answers: Mapping[str, Answer],
    source: TemplateSource,
    options: ScaffoldOptions = ScaffoldOptions(),
    progress: Progress = lambda _message: None,
) -> ScaffoldResult:
    """Create the project at `destination`; on any failure nothing is left behind."""
    destination = destination.expanduser().absolute()
    existing = _check_destination(destination, force=options.force or options.pretend)
    remove_stale_temporaries(destination.parent)
    try:
        staging = Path(
            tempfile.mkdtemp(
                prefix=f".{destination.name}{_TMP_MARK}{os.getpid()}-",
                suffix=".tmp",
                dir=destination.parent,
            )
        )
    except OSError as error:  # e.g. /proc or /sys: a directory, but not one that takes files
        raise DestinationError(f"cannot create files in {destination.parent}: {error.strerror}") from error
    try:
        progress("Rendering the template")
        notes = _render(source, staging, answers)
        template_commit = _pin_answers(staging, source)
        result = ScaffoldResult(destination, _list_files(staging), source.location, template_commit)
        result.notes.extend(notes)
        if options.pretend:
            return result
        try:
            _commit_and_place(
                staging, destination, answers, result, git=options.git, existing=existing, progress=progress
            )
        except OSError as error:
            raise DestinationError(
                f"cannot write the project into {destination}: {error.strerror}"
            ) from error
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit_and_place(
    staging: Path,
    destination: Path,
    answers: Mapping[str, Answer],
    result: ScaffoldResult,
    *,
    git: bool,
    existing: bool,
    progress: Progress,
) -> None:
    """Make the first commit and put the project at `destination` (renamed, or merged with --force)."""
    if git and not gitutil.git_available():
        result.notes.append("git is not installed: skipped `git init` (as with --no-git)")
        git = False
    if git and existing and (destination / ".git").exists():
        result.notes.append("existing git repository: the new files are left uncommitted")
        git = False
    if not existing:
        if git:
            progress("Creating the git repository and first commit")
            result.git_commit = gitutil.init_and_commit(staging, _commit_message(answers))
        progress(f"Moving the project into {destination.name}")
        os.rename(staging, destination)  # atomic: the destination appears complete or not at all
        return
    progress(f"Writing the project into {destination.name}")
    _merge_into(staging, destination)
    if git:
        # Only what we wrote: files the user already had there stay theirs to commit.
        result.git_commit = gitutil.init_and_commit(destination, _commit_message(answers), result.files)


def remove_stale_temporaries(parent: Path) -> None:
    """Delete staging dirs in `parent` left by killed generations (their process is gone),
    whichever destination they were for: a killed `new a` is swept up by a later `new b`."""
    for leftover in parent.glob(f".*{_TMP_MARK}*.tmp"):
        pid_text = leftover.name.rpartition(_TMP_MARK)[2].split("-", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)) and leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _check_destination(destination: Path, *, force: bool) -> bool:
    """Refuse what we must not touch; returns whether the directory already holds files."""
    if destination.is_symlink():
        # The final rename would replace the link itself, and --force would write through it.
        raise DestinationError(
            f"destination is a symbolic link: {destination}",
            hint=f"give the directory it points to: {os.path.realpath(destination)}",
        )
    if destination.exists() and not destination.is_dir():
        raise DestinationError(f"destination exists and is not a directory: {destination}")
    parent = destination.parent
    if not parent.is_dir():
        raise DestinationError(f"parent directory does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DestinationError(f"cannot write in {parent}: permission denied")
    non_empty = destination.is_dir() and any(destination.iterdir())
    if non_empty and not force:
        raise DestinationError(
            f"destination is not empty: {destination}",
            hint="choose another directory, or pass --force to write into it",
        )
    return non_empty


def _render(source: TemplateSource, staging: Path, answers: Mapping[str, Answer]) -> list[str]:
    """Render into `staging`; returns copier's notes about the template (see copier_notices)."""
    from copier import run_copy  # lazy: importing copier costs about half a second
    from copier.errors import CopierError

    notes: list[str] = []
    try:
        with copier_notices(notes, bundled=source.bundled):
            run_copy(
                source.location,
                staging,
                data=dict(answers),
                vcs_ref=source.vcs_ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
                cleanup_on_error=False,
            )
    except CopierError as error:
        raise RenderError(f"rendering failed: {first_line(error)}") from error
    except Exception as error:  # git clone/checkout failures surface as plumbum/OS errors
        if source.bundled:
            raise
        raise TemplateSourceError(
            f"cannot use template {source.location}"
            + (f" at {source.vcs_ref}" if source.vcs_ref else "")
            + f": {first_line(error)}"
        ) from error
    return notes


def _pin_answers(staging: Path, source: TemplateSource) -> str | None:
    """Point the bundled render's answers at the public repo, so `copier update` finds it later."""
    path = staging / ANSWERS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not source.bundled:
        commit = data.get("_commit")
        return str(commit) if commit else None
    tag = release_tag()
    pinned: dict[str, object] = {"_commit": tag} if tag else {}
    pinned["_src_path"] = CANONICAL_URL
    pinned.update({key: value for key, value in data.items() if key not in {"_commit", "_src_path"}})
    header = "# Changes here will be overwritten by Copier; do not edit by hand\n"
    path.write_text(header + yaml.safe_dump(pinned, sort_keys=False), encoding="utf-8")
    return tag


def _merge_into(staging: Path, destination: Path) -> None:
    for entry in staging.iterdir():
        target = destination / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, dirs_exist_ok=True)
        else:
            shutil.copy2(entry, target)


def _list_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    )


def _commit_message(answers: Mapping[str, Answer]) -> str:
    return f"Initial commit: {answers.get('project_name', 'project')} from create-12-factor-agent"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
