"""The `mcp` question: off by default, and off means no MCP code and no `mcp` dependency."""

from __future__ import annotations

import tomllib
from pathlib import Path

from create_12_factor_agent.answers import collect_answers
from create_12_factor_agent.commands import generate
from create_12_factor_agent.questions import load_questions
from create_12_factor_agent.source import bundled_template_dir, resolve_source


def render(dest: Path, **data: str) -> Path:
    questions = load_questions(bundled_template_dir())
    answers = collect_answers(questions, {"project_name": "demo-agent", **data}, use_defaults=True, ask=None)
    source = resolve_source(None, None)
    generate(dest, answers, source, force=False, pretend=False, git=False, progress=lambda _: None)
    return dest


def dependencies(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    return [*pyproject["project"]["dependencies"], *pyproject["dependency-groups"]["dev"]]


def mentions_mcp(project: Path) -> list[str]:
    found = []
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            if "mcp" in path.name.lower() or "import mcp" in text or "from mcp" in text or "MCP" in text:
                found.append(str(path.relative_to(project)))
    return found


def test_mcp_is_off_by_default_and_leaves_no_trace(tmp_path: Path) -> None:
    project = render(tmp_path / "plain")
    assert "mcp: false" in (project / ".copier-answers.yml").read_text()
    assert mentions_mcp(project) == []
    sdk = ("mcp", "jsonschema", "types-jsonschema")
    assert not [dep for dep in dependencies(project) if dep.startswith(sdk)]


def test_mcp_true_adds_the_official_sdk_and_its_modules(tmp_path: Path) -> None:
    project = render(tmp_path / "with-mcp", mcp="true")
    assert "mcp>=2,<3" in dependencies(project)
    package = project / "src" / "demo_agent"
    assert {"mcp_bridge.py", "mcp_config.py", "mcp_tools.py"} <= {p.name for p in package.iterdir()}
    assert "AGENT_MCP_SERVERS" in (project / ".env.example").read_text()
    assert (project / "tests" / "mcp_server.py").is_file()
