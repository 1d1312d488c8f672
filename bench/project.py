"""Generate the agent project under test with our own generator and import it from its src/."""

import importlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

PACKAGE = "benchagent"
# The default answers, minus the HTTP API (the bench drives the core directly).
ANSWERS = (f"project_name={PACKAGE}", "http_api=false", "state_store=sqlite", "example=calculator")


@dataclass(frozen=True)
class GeneratedAgent:
    """The generated project's modules the bench uses (typed as modules: they are imported by name)."""

    root: Path
    agent: ModuleType
    events: ModuleType
    thread: ModuleType
    context: ModuleType
    service: ModuleType
    config: ModuleType
    scripted: ModuleType
    sqlite_store: ModuleType
    tools: ModuleType

    @property
    def src(self) -> Path:
        return self.root / "src"


def generate(parent: Path) -> GeneratedAgent:
    """Render the default project (no git) into `parent` and import its package."""
    root = parent / PACKAGE
    argv = [sys.executable, "-m", "create_12_factor_agent", str(root), "--defaults", "--no-git", "--json"]
    for answer in ANSWERS:
        argv += ["--data", answer]
    completed = subprocess.run(argv, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"generating the bench project failed: {completed.stderr.strip()}")
    sys.path.insert(0, str(root / "src"))

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    return GeneratedAgent(
        root=root,
        agent=load("agent"),
        events=load("events"),
        thread=load("thread"),
        context=load("context"),
        service=load("service"),
        config=load("config"),
        scripted=load("llm.scripted"),
        sqlite_store=load("store.sqlite"),
        tools=load("tools"),
    )
