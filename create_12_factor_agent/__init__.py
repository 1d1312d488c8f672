"""create-12-factor-agent: scaffold a Python LLM agent that follows the 12-Factor Agents principles."""


def __getattr__(name: str) -> str:
    # `__version__` is looked up lazily: importing importlib.metadata costs more than the rest of
    # `--help` put together, and only `--version` and generation need it.
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_VERSION: list[str] = []  # filled once (not functools.cache: the entry point imports nothing)


def _installed_version() -> str:
    if not _VERSION:
        from importlib.metadata import PackageNotFoundError, version

        try:
            _VERSION.append(version("create-12-factor-agent"))
        except PackageNotFoundError:  # running from a source tree that was never installed
            _VERSION.append("0.0.0.dev0")
    return _VERSION[0]
