"""create-12-factor-agent: scaffold a Python LLM agent that follows the 12-Factor Agents principles."""

from functools import cache


def __getattr__(name: str) -> str:
    # `__version__` is looked up lazily: importing importlib.metadata costs more than the rest of
    # `--help` put together, and only `--version` and generation need it.
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("create-12-factor-agent")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0.dev0"
