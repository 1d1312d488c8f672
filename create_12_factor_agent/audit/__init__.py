"""`check`: a static audit of a project against the 12 factors. It reads files; it never runs them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from create_12_factor_agent.audit.checks_flow import check_control_flow, check_errors, check_triggers
from create_12_factor_agent.audit.checks_language import check_natural_language
from create_12_factor_agent.audit.checks_prompts import check_context, check_prefetch, check_prompts
from create_12_factor_agent.audit.checks_state import check_entry_points, check_reducer, check_thread_state
from create_12_factor_agent.audit.checks_tools import check_focus, check_human_contact, check_tools
from create_12_factor_agent.audit.model import AuditReport, Evidence, Finding, Status, failed
from create_12_factor_agent.audit.project import NotAProjectError, Project, load_project
from create_12_factor_agent.audit.scan import ToolScan, scan_tools

__all__ = ["AuditReport", "Evidence", "Finding", "NotAProjectError", "Status", "audit"]

Check = Callable[[Project, ToolScan], Finding]

CHECKS: tuple[Check, ...] = (
    check_natural_language,
    check_prompts,
    check_context,
    check_tools,
    check_thread_state,
    check_entry_points,
    check_human_contact,
    check_control_flow,
    check_errors,
    check_focus,
    check_triggers,
    check_reducer,
    check_prefetch,
)


def audit(path: Path) -> AuditReport:
    """Audit the project at `path`. Raises NotAProjectError when `path` is not a project."""
    project = load_project(path)
    tools = scan_tools(project)
    findings = [check(project, tools) for check in CHECKS]
    if project.unparsable:
        findings.append(
            failed(
                0,
                f"{len(project.unparsable)} file(s) could not be parsed; checks skipped them",
                "fix the syntax error: the audit reads the code without running it",
                project.unparsable,
            )
        )
    findings.sort(key=lambda finding: finding.factor)
    return AuditReport(
        root=project.root,
        package=project.package,
        package_dir=project.rel(project.package_dir),
        findings=tuple(findings),
    )
