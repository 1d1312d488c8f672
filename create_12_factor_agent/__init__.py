"""create-12-factor-agent: scaffold a Python LLM agent that follows the 12-Factor Agents principles."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("create-12-factor-agent")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0.dev0"
