"""Where templates come from: the copy bundled in the wheel, or a git source the user names."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from create_12_factor_agent import __version__
from create_12_factor_agent.errors import TemplateSourceError, UsageError

# Recorded as `_src_path` in generated projects, so a plain `copier update` knows where to look.
CANONICAL_URL = "https://github.com/create-12-factor-agent/create-12-factor-agent.git"

_RELEASE = re.compile(r"^\d+\.\d+\.\d+$")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)


@dataclass(frozen=True)
class TemplateSource:
    """A template to render from; `bundled` means the copy inside this package."""

    location: str
    vcs_ref: str | None
    bundled: bool

    @property
    def is_url(self) -> bool:
        return bool(_URL.match(self.location))


def bundled_template_dir() -> Path:
    """The directory holding copier.yml: inside the wheel, or the repo root in a source checkout."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_bundled", package_dir.parent):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise TemplateSourceError("the bundled template is missing from this installation")


def release_tag(version: str = __version__) -> str | None:
    """The git tag a release version maps to; dev and pre-release builds have none."""
    return f"v{version}" if _RELEASE.match(version) else None


def resolve_source(template: str | None, vcs_ref: str | None) -> TemplateSource:
    """Validate `--template/--vcs-ref` early, before anything is written."""
    if template is None:
        if vcs_ref is not None:
            raise UsageError(
                "--vcs-ref needs --template: the bundled template has no git history",
                hint=f"use --template {CANONICAL_URL} --vcs-ref {vcs_ref}",
            )
        return TemplateSource(str(bundled_template_dir()), None, bundled=True)
    if _URL.match(template):
        return TemplateSource(template, vcs_ref, bundled=False)
    path = Path(template).expanduser().resolve()
    if not path.is_dir():
        raise TemplateSourceError(f"template source not found: {template}")
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise TemplateSourceError(f"not a copier template (no copier.yml): {template}")
    if not _is_git_repo(path):
        raise TemplateSourceError(
            f"template source is not a git repository: {template}",
            hint="updates need a git source with tags; run `git init` and commit it, or omit --template",
        )
    # Absolute, because copier resolves a relative `_src_path` against the project later on.
    return TemplateSource(str(path), vcs_ref, bundled=False)


def _is_git_repo(path: Path) -> bool:
    try:
        result = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return False
    return result.returncode == 0 and Path(result.stdout.strip()).resolve() == path
