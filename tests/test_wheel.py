"""The built wheel carries the template: install it into a fresh venv and generate from there."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from .conftest import REPO_ROOT, tree

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv = shutil.which("uv")
    command = [uv, "build", "--wheel", "--out-dir", str(out)] if uv else [
        sys.executable, "-m", "build", "--wheel", "--outdir", str(out)
    ]  # fmt: skip
    subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True)
    (built,) = out.glob("*.whl")
    return built


def test_wheel_bundles_copier_yml_and_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "create_12_factor_agent/_bundled/copier.yml" in names
    prefix = "create_12_factor_agent/_bundled/templates/"
    bundled = {name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    assert bundled == {path for path in tree(REPO_ROOT / "templates") if "__pycache__" not in path}


def test_installed_wheel_generates_offline(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)], check=True
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    cli = venv / "bin" / "create-12-factor-agent"
    dest = tmp_path / "work" / "agent-from-wheel"
    dest.parent.mkdir()
    result = subprocess.run(
        [str(cli), str(dest), "--defaults", "-d", "example=minimal"],
        cwd=dest.parent,  # away from the source checkout: only the wheel's copy can be used
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["example"] == "minimal"
    assert (dest / "pyproject.toml").is_file()
    assert str(tmp_path) not in (dest / ".copier-answers.yml").read_text()  # no machine paths recorded
