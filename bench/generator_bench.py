"""The generator against plain copier: cold `--help`, and rendering the default project."""

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from stats import alternate, median, wall_time

from create_12_factor_agent.source import bundled_template_dir


@dataclass(frozen=True)
class GeneratorFigures:
    help_s: float
    copier_help_s: float
    generate_s: float
    copier_generate_s: float

    @property
    def help_vs_copier(self) -> float:
        return self.help_s / self.copier_help_s

    @property
    def generate_vs_copier(self) -> float:
        return self.generate_s / self.copier_generate_s


def _script(name: str) -> str:
    """A console script of the running environment (the one `uv run` set up)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise RuntimeError(f"{name} is not installed next to {sys.executable}")
    return str(path)


class _Generate:
    """One fresh destination per run; the clean-up is not timed."""

    def __init__(self, parent: Path, argv_before_dest: list[str], argv_after_dest: list[str]) -> None:
        self._parent = parent
        self._before = argv_before_dest
        self._after = argv_after_dest
        self._runs = 0

    def __call__(self) -> float:
        self._runs += 1
        dest = self._parent / f"project-{self._runs}"
        try:
            return wall_time([*self._before, str(dest), *self._after], cwd=self._parent)
        finally:
            shutil.rmtree(dest, ignore_errors=True)


def measure(help_rounds: int, generate_rounds: int, work: Path) -> GeneratorFigures:
    ours, copier = _script("create-12-factor-agent"), _script("copier")
    helps = alternate(
        {"ours": lambda: wall_time([ours, "--help"]), "copier": lambda: wall_time([copier, "--help"])},
        help_rounds,
    )
    # Both render the same bundled template with default answers; neither runs git init.
    template = str(bundled_template_dir())
    parent = work / "generated"
    parent.mkdir()
    generates = alternate(
        {
            "ours": _Generate(parent, [ours], ["--defaults", "--no-git"]),
            "copier": _Generate(parent, [copier, "copy", "--defaults", "--quiet", template], []),
        },
        generate_rounds,
    )
    return GeneratorFigures(
        help_s=median(helps["ours"]),
        copier_help_s=median(helps["copier"]),
        generate_s=median(generates["ours"]),
        copier_generate_s=median(generates["copier"]),
    )
