"""One exception tree for every failure a user can cause or meet; each carries its exit code."""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_USAGE = 2


class GeneratorError(Exception):
    """Base class: a message meant for the user, and the process exit code that goes with it."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(GeneratorError):
    """Bad flags, bad answers, bad answer files: the user can fix the command line."""

    exit_code = EXIT_USAGE


class MissingAnswersError(UsageError):
    """No terminal to ask on, and some questions were not answered by flags."""

    def __init__(self, missing: list[str]) -> None:
        flags = ", ".join(f"--data {name}=..." for name in missing)
        super().__init__(
            f"no terminal to ask on and these answers are missing: {flags}",
            hint="pass them, or use --defaults to accept the default answers",
        )
        self.missing = missing


class DestinationError(UsageError):
    """The destination exists and is not empty, or cannot be written."""


class TemplateSourceError(GeneratorError):
    """The template source cannot be used (not a git repository, unreachable, bad ref)."""


class RenderError(GeneratorError):
    """Copier failed while rendering."""


class GitError(GeneratorError):
    """A git command failed."""


class UpdateError(GeneratorError):
    """A pre-check of `update` failed, or the update left conflicts."""


def first_line(error: BaseException) -> str:
    """The first line of an exception's text: errors from libraries are often pages long."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
