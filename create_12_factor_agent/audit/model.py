"""What an audit produces: findings per factor, each with evidence (file:line) and a one-line fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["pass", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail")

FACTOR_TITLES: dict[int, str] = {
    0: "Source code parses",
    1: "Natural language to tool calls",
    2: "Own your prompts",
    3: "Own your context window",
    4: "Tools are structured outputs",
    5: "Unify execution and business state",
    6: "Launch, pause, resume",
    7: "Contact humans with tool calls",
    8: "Own your control flow",
    9: "Compact errors into context",
    10: "Small, focused agents",
    11: "Trigger from anywhere",
    12: "Stateless reducer",
    13: "Pre-fetch context",
}


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: a path relative to the project root, a line, and what is there."""

    path: str
    line: int | None = None
    note: str = ""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Finding:
    factor: int
    status: Status
    summary: str
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = None  # one line; None when the check passes

    @property
    def title(self) -> str:
        return FACTOR_TITLES[self.factor]


def passed(factor: int, summary: str, evidence: Iterable[Evidence] = ()) -> Finding:
    return Finding(factor, "pass", summary, tuple(evidence))


def warned(factor: int, summary: str, fix: str, evidence: Iterable[Evidence] = ()) -> Finding:
    return Finding(factor, "warn", summary, tuple(evidence), fix)


def failed(factor: int, summary: str, fix: str, evidence: Iterable[Evidence] = ()) -> Finding:
    return Finding(factor, "fail", summary, tuple(evidence), fix)


@dataclass(frozen=True)
class AuditReport:
    root: Path
    package: str
    package_dir: str  # relative to root, e.g. src/my_agent
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Warnings are advice; only a failing check makes the audit fail."""
        return all(finding.status != "fail" for finding in self.findings)

    def count(self, status: Status) -> int:
        return sum(1 for finding in self.findings if finding.status == status)

    def by_factor(self, factor: int) -> Finding:
        return next(finding for finding in self.findings if finding.factor == factor)
