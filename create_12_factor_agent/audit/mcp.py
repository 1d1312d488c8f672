"""MCP tools of a project (factor 10), counted from its servers file without starting a server:
the file named by AGENT_MCP_SERVERS in the project's `.env`, else `mcp_servers.json` at its root."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from create_12_factor_agent.audit.model import Evidence
from create_12_factor_agent.audit.project import Project

DEFAULT_FILE = "mcp_servers.json"
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?AGENT_MCP_SERVERS\s*=\s*(.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class McpTools:
    file: Evidence
    listed: int  # tools named in the servers' allow-lists
    unbounded: tuple[str, ...]  # servers without an allow-list: they offer whatever they list


def count_mcp_tools(project: Project) -> McpTools | None:
    """None when the project has no readable servers file."""
    path = _servers_file(project.root)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        servers = data["mcpServers"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(servers, dict):
        return None
    listed = 0
    unbounded: list[str] = []
    for name, entry in servers.items():
        tools = entry.get("tools") if isinstance(entry, dict) else None
        if isinstance(tools, list):
            listed += len(tools)
        else:
            unbounded.append(str(name))
    note = f"{len(servers)} MCP servers"
    return McpTools(Evidence(_shown(path, project.root), None, note), listed, tuple(unbounded))


def _servers_file(root: Path) -> Path | None:
    env = root / ".env"
    if env.is_file():
        for line in env.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _ENV_LINE.match(line)
            if match and match.group(1).strip("'\""):
                named = root / match.group(1).strip("'\"")
                return named if named.is_file() else None
    default = root / DEFAULT_FILE
    return default if default.is_file() else None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
