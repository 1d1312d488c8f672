"""The model providers, one row each (factor 1): `build_llm` connects to the row named by
AGENT_LLM_PROVIDER (default: the provider chosen when the project was generated).

A row says which client module speaks to it, which SDK that module needs, and where its key and
endpoint come from. Adding a provider is one row here, plus a client module when no existing one
speaks its API (a module in this package with `connect(link) -> LLM`). Only the SDK of the
provider chosen at generation is a dependency: another row needs its SDK added (`uv add ...`).
"""

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from ..config import Settings
from ..environment import setting
from ..errors import ConfigError
from . import LLM


@dataclass(frozen=True)
class Provider:
    client: str  # the module in this package whose `connect` builds the client
    sdk: str  # the package that module imports
    key_variable: str  # the environment variable (or .env entry) holding the API key
    key_required: bool = True  # local servers take any key
    base_url_variable: str | None = None  # where another endpoint can be set
    default_base_url: str | None = None  # None: the SDK's own default
    # Extra fields every request to this provider carries.
    request: Mapping[str, JsonValue] = field(default_factory=dict)


PROVIDERS: dict[str, Provider] = {
    "openai": Provider(
        "openai_client",
        "openai",
        "OPENAI_API_KEY",
        base_url_variable="OPENAI_BASE_URL",
        request={"parallel_tool_calls": False},
    ),
    "anthropic": Provider(
        "anthropic_client", "anthropic", "ANTHROPIC_API_KEY", base_url_variable="ANTHROPIC_BASE_URL"
    ),
    # Ollama by default; point OPENAI_BASE_URL at vLLM, llama.cpp or LM Studio instead.
    "openai_compatible": Provider(
        "openai_client",
        "openai",
        "OPENAI_API_KEY",
        key_required=False,
        base_url_variable="OPENAI_BASE_URL",
        default_base_url="http://localhost:11434/v1",
    ),
    # Gemini through Google's OpenAI-compatible endpoint.
    "gemini": Provider(
        "openai_client",
        "openai",
        "GEMINI_API_KEY",
        base_url_variable="GEMINI_BASE_URL",
        default_base_url="https://generativelanguage.googleapis.com/v1beta/openai/",
    ),
}
# What a client is given as a key when its provider needs none (the SDKs insist on one).
NO_KEY = "not-needed"


@dataclass(frozen=True)
class Link:
    """What a client module's `connect` builds its client from."""

    provider: Provider
    settings: Settings
    api_key: str
    base_url: str | None
    http_client: Any = None  # tests: the real SDK over a mock transport


def provider(name: str) -> Provider:
    row = PROVIDERS.get(name)
    if row is None:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"AGENT_LLM_PROVIDER must be one of {known}, got {name!r}")
    return row


def connect_configured(settings: Settings) -> LLM:
    """The client of AGENT_LLM_PROVIDER's row, with its key and endpoint from the environment."""
    row = provider(settings.agent_llm_provider)
    key = setting(row.key_variable.lower())
    if key is None and row.key_required:
        raise ConfigError(f"{row.key_variable} is not set (see .env.example)")
    base_url = setting(row.base_url_variable.lower()) if row.base_url_variable else None
    return connect(
        settings.agent_llm_provider,
        settings,
        api_key=key or NO_KEY,
        base_url=base_url or row.default_base_url,
    )


def connect(
    name: str, settings: Settings, *, api_key: str, base_url: str | None, http_client: Any = None
) -> LLM:
    """The client of the row `name`, given its key and endpoint."""
    row = provider(name)
    try:
        module = importlib.import_module(f"{__package__}.{row.client}")
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the {name} provider needs llm/{row.client}.py and the {row.sdk!r} package ({exc})"
        ) from exc
    llm: LLM = module.connect(Link(row, settings, api_key, base_url, http_client))
    return llm
