"""Prompt files (factor 2): plain-text templates in `prompts/`, rendered explicitly here.

They use `string.Template` placeholders (`$name`); a missing value fails loudly.
"""

from collections.abc import Sequence
from importlib.resources import files
from string import Template

from .tools import ToolSpec


def load(name: str) -> Template:
    """The template `prompts/<name>.md` shipped inside this package."""
    text = files(__package__).joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")
    return Template(text)


def render_system_prompt(tools: Sequence[ToolSpec]) -> str:
    """The system prompt: instructions plus one line per tool, generated from the tool models."""
    listing = "\n".join(f"- {tool.name}: {tool.description}" for tool in tools)
    return load("determine_next_step").substitute(tools=listing).rstrip("\n")
