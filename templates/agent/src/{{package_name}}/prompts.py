"""Prompt files (factor 2): plain-text templates in `prompts/`, rendered explicitly here.

They use `string.Template` placeholders (`$name`); a missing value fails loudly. Prompt files
ship inside the package and do not change while it runs, so each is read once per process.
"""

import hashlib
import json
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib.resources import files
from string import Template

from .tools import ToolSpec


@cache
def load(name: str) -> Template:
    """The template `prompts/<name>.md` shipped inside this package."""
    text = files(__package__).joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")
    return Template(text)


def render_system_prompt(tools: Sequence[ToolSpec]) -> str:
    """The system prompt: instructions plus one line per tool, generated from the tool models."""
    return _system_prompt(tuple((tool.name, tool.description) for tool in tools))


# The prompt depends only on the tools' names and descriptions: render it once per tool set.
@lru_cache(maxsize=64)
def _system_prompt(tools: tuple[tuple[str, str], ...]) -> str:
    listing = "\n".join(f"- {name}: {description}" for name, description in tools)
    return load("determine_next_step").substitute(tools=listing).rstrip("\n")


def prompt_version(system: str, tools: Sequence[ToolSpec]) -> str:
    """A short, stable hash of what instructs the model: the rendered system prompt and the
    tool specs (names, descriptions, schemas). Recorded with each call, so a later prompt or
    tool edit shows in the threads it affects."""
    specs = [(tool.name, tool.description, tool.parameters) for tool in tools]
    return _version(system, json.dumps(specs, sort_keys=True, separators=(",", ":")))


@lru_cache(maxsize=64)
def _version(system: str, specs: str) -> str:
    return hashlib.sha256(f"{system}\0{specs}".encode()).hexdigest()[:12]
