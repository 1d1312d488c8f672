"""`check` counts the tools of a project's MCP servers toward factor 10 without starting them."""

from __future__ import annotations

import json
from pathlib import Path

from create_12_factor_agent.audit import audit
from create_12_factor_agent.audit.checks_tools import TOOL_LIMIT


def servers_file(path: Path, **servers: list[str] | None) -> None:
    entries = {
        name: {"command": "uvx", "args": [name], **({"tools": tools} if tools is not None else {})}
        for name, tools in servers.items()
    }
    path.write_text(json.dumps({"mcpServers": entries}), encoding="utf-8")


def test_allow_listed_mcp_tools_count_toward_a_small_agent(project: Path) -> None:
    servers_file(project / "mcp_servers.json", files=["read_file", "list_dir"])
    finding = audit(project).by_factor(10)
    assert finding.status == "pass"
    assert "(2 from MCP servers)" in finding.summary
    assert any(e.path == "mcp_servers.json" for e in finding.evidence)


def test_too_many_mcp_tools_warn(project: Path) -> None:
    many = [f"tool_{i}" for i in range(TOOL_LIMIT)]
    servers_file(project / "mcp_servers.json", files=many)
    finding = audit(project).by_factor(10)
    assert finding.status == "warn"
    assert f"({TOOL_LIMIT} from MCP servers) (> {TOOL_LIMIT})" in finding.summary
    assert finding.fix is not None
    assert "smaller agents" in finding.fix


def test_a_server_without_an_allow_list_warns(project: Path) -> None:
    servers_file(project / "mcp_servers.json", files=["read_file"], web=None)
    finding = audit(project).by_factor(10)
    assert finding.status == "warn"
    assert "MCP servers offering every tool they list (web)" in finding.summary
    assert finding.fix is not None
    assert '"tools" allow-list' in finding.fix


def test_the_env_file_names_the_servers_file(project: Path) -> None:
    (project / "config").mkdir()
    servers_file(project / "config" / "servers.json", files=[f"t{i}" for i in range(TOOL_LIMIT + 1)])
    (project / ".env").write_text("AGENT_MCP_SERVERS=config/servers.json\n", encoding="utf-8")
    finding = audit(project).by_factor(10)
    assert finding.status == "warn"
    assert any(e.path == "config/servers.json" for e in finding.evidence)
