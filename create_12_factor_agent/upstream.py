"""The template source a project updates from: is it reachable, has it the ref, and `--template`."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from create_12_factor_agent.errors import UpdateError
from create_12_factor_agent.source import CANONICAL_URL

_REMOTE_TIMEOUT_S = 20
_COMMIT_ID = re.compile(r"^[0-9a-f]{7,40}$", re.IGNORECASE)


def is_remote(source: str) -> bool:
    return "://" in source or source.startswith("git@")


def check_reachable(source: str) -> None:
    """A missing local source or an unanswering URL is one clear line, before copier starts."""
    if not is_remote(source):
        if not Path(source).expanduser().is_dir():
            raise UpdateError(
                f"template source not found: {source}",
                hint="pass --template with a git clone of the template to update from it",
            )
        return
    result = _git("ls-remote", "--exit-code", "--tags", source)
    if result.returncode in (0, 2):  # 2: reachable, but no tags
        return
    if source == CANONICAL_URL:
        raise UpdateError(
            f"the template's public repository cannot be reached: {source}",
            hint="if it is not published yet (or you are offline), update from a clone of this generator's"
            " repository with its tags: --template PATH_OR_URL",
        )
    raise UpdateError(
        f"template source is unreachable: {source}",
        hint="check the network, or pass --template with a reachable clone of it",
    )


def check_ref(source: str, ref: str) -> None:
    """`--vcs-ref` must name a tag, branch or commit the source has: copier's own error is a page."""
    if not is_remote(source):
        local = str(Path(source).expanduser())
        if _git("-C", local, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0:
            return
    else:
        listed = _git("ls-remote", source, ref)
        if listed.stdout.strip() or _COMMIT_ID.match(ref):  # a commit id can't be listed remotely
            return
    raise UpdateError(
        f"no tag, branch or commit {ref!r} in the template source {source}",
        hint=f"list its tags with: git ls-remote --tags {source}",
    )


@contextmanager
def redirected(recorded: str, replacement: str | None) -> Iterator[str]:
    """Read the template from `replacement` while the project keeps `recorded` as its `_src_path`.

    Copier takes the old template version from `_src_path` itself, so the redirect is git's own
    `url.<new>.insteadOf` set for this process; the answers file is never edited.
    """
    if replacement is None:
        yield recorded
        return
    if not is_remote(replacement):
        replacement = str(Path(replacement).expanduser().resolve())
    index = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    extra = {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": f"url.{replacement}.insteadOf",
        f"GIT_CONFIG_VALUE_{index}": recorded,
    }
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    # Copier runs git through plumbum, whose environment is a copy taken at import time: give it
    # the whole list of config pairs, ours and any set before.
    git_config = {key: value for key, value in os.environ.items() if key.startswith("GIT_CONFIG_")}
    from plumbum import local

    try:
        with local.env(**git_config):
            yield replacement
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=_REMOTE_TIMEOUT_S,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except subprocess.TimeoutExpired as error:
        raise UpdateError(f"the template source did not answer within {_REMOTE_TIMEOUT_S}s") from error
