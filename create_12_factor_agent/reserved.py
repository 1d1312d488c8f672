"""Names a generated project must not take: its package would shadow an import it depends on
(`import openai` would find the project itself), or its distribution would require itself."""

from __future__ import annotations

import re

# Top-level modules of the generated projects' dependencies, runtime and dev, direct and
# indirect (tests/test_questions.py checks that every direct dependency is covered).
DEPENDENCY_IMPORTS = frozenset(
    [
        "annotated_doc",
        "annotated_types",
        "anthropic",
        "anyio",
        "ast_serialize",
        "asttokens",
        "attr",
        "attrs",
        "certifi",
        "cfgv",
        "charset_normalizer",
        "click",
        "distlib",
        "docstring_parser",
        "dotenv",
        "executing",
        "fastapi",
        "filelock",
        "google",
        "graphql",
        "h11",
        "harfile",
        "httpcore",
        "httpcore2",
        "httpx",
        "httpx2",
        "httpx_sse",
        "hypothesis",
        "hypothesis_graphql",
        "identify",
        "idna",
        "iniconfig",
        "inline_snapshot",
        "jinja2",
        "jiter",
        "jsonschema",
        "jsonschema_rs",
        "jsonschema_specifications",
        "jwt",
        "librt",
        "markdown_it",
        "markupsafe",
        "mcp",
        "mcp_types",
        "mdurl",
        "multipart",
        "mypy",
        "mypy_extensions",
        "mypyc",
        "nodeenv",
        "openai",
        "opentelemetry",
        "packaging",
        "pathspec",
        "platformdirs",
        "pluggy",
        "pre_commit",
        "psycopg",
        "psycopg_binary",
        "psycopg_pool",
        "py",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pygments",
        "pyrate_limiter",
        "pytest",
        "python_multipart",
        "referencing",
        "requests",
        "respx",
        "rich",
        "rpds",
        "ruff",
        "schemathesis",
        "shellingham",
        "sniffio",
        "sortedcontainers",
        "sse_starlette",
        "starlette",
        "truststore",
        "typer",
        "typing_extensions",
        "typing_inspection",
        "urllib3",
        "uvicorn",
        "virtualenv",
        "werkzeug",
        "yaml",
    ]
)
# Distribution names whose import name differs from the distribution's.
_OTHER_DISTRIBUTIONS = frozenset(
    [
        "python-dotenv",
        "pyyaml",
        "pyjwt",
        "types-jsonschema",
        "markdown-it-py",
        "graphql-core",
        "googleapis-common-protos",
        "opentelemetry-api",
        "opentelemetry-exporter-http-transport",
        "opentelemetry-exporter-otlp-common",
        "opentelemetry-exporter-otlp-proto-common",
        "opentelemetry-exporter-otlp-proto-http",
        "opentelemetry-proto",
        "opentelemetry-sdk",
        "opentelemetry-semantic-conventions",
        "protobuf",
        "psycopg-binary",
    ]
)


def normalize(name: str) -> str:
    """A distribution name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


DEPENDENCY_DISTRIBUTIONS = frozenset({normalize(name) for name in DEPENDENCY_IMPORTS} | _OTHER_DISTRIBUTIONS)


def shadowed_dependency(*, package_name: str | None = None, project_name: str | None = None) -> str:
    """The dependency a name would collide with, or ""."""
    if package_name is not None and package_name in DEPENDENCY_IMPORTS:
        return package_name
    if project_name is not None and normalize(project_name) in DEPENDENCY_DISTRIBUTIONS:
        return normalize(project_name)
    return ""
