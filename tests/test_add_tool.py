"""`add tool`: a new tool module and its test, or a clear refusal that writes nothing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from create_12_factor_agent.audit import audit

from .conftest import Invoke, git
from .generated import copy_project, package_dir, run_own_checks, snapshot


def test_adds_a_tool_module_and_its_test_and_nothing_else(invoke: Invoke, project: Path) -> None:
    before = snapshot(project)
    result = invoke("add", "tool", "lookup_order", str(project))
    assert result.exit_code == 0, result.output
    added = set(snapshot(project)) - set(before)
    assert added == {"src/agent/tools/lookup_order.py", "tests/test_tool_lookup_order.py"}
    assert {k: v for k, v in snapshot(project).items() if k in before} == before
    assert "src/agent/tools/lookup_order.py" in result.output

    text = (project / "src/agent/tools/lookup_order.py").read_text()
    classes = [node for node in ast.parse(text).body if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["LookupOrder"]
    assert 'intent: Literal["lookup_order"] = "lookup_order"' in text
    assert "TOOL = Tool(model=LookupOrder, policy=Policy.SYNC, handler=handle)" in text


def test_the_project_still_passes_check_and_offers_the_tool(invoke: Invoke, project: Path) -> None:
    tools_before = audit(project).by_factor(4).summary
    assert invoke("add", "tool", "wire_money", str(project), "--approval").exit_code == 0
    report = audit(project)
    assert report.ok
    assert tools_before != report.by_factor(4).summary  # one more typed tool model
    assert "wire_money" in report.by_factor(7).summary  # listed among the approval tools
    text = (package_dir(project) / "tools" / "wire_money.py").read_text()
    assert "policy=Policy.NEEDS_APPROVAL" in text
    assert "Policy.NEEDS_APPROVAL" in (project / "tests" / "test_tool_wire_money.py").read_text()


def test_fields_and_description_become_the_model(invoke: Invoke, project: Path) -> None:
    description = 'Send a "payment link" to a customer; C:\\path and """quotes""" stay intact. ' * 2
    result = invoke(
        "add", "tool", "send_link", str(project), "--description", description,
        "--field", "email", "--field", "amount_cents:int", "--field", "rush:bool", "--field", "rate:float",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    module = ast.parse((package_dir(project) / "tools" / "send_link.py").read_text())
    model = next(node for node in module.body if isinstance(node, ast.ClassDef))
    docstring = ast.get_docstring(model) or ""
    assert " ".join(docstring.split()) == " ".join(description.split())
    fields = {
        ast.unparse(stmt.target): ast.unparse(stmt.annotation)
        for stmt in model.body
        if isinstance(stmt, ast.AnnAssign)
    }
    assert fields == {
        "intent": "Literal['send_link']",
        "email": "str",
        "amount_cents": "int",
        "rush": "bool",
        "rate": "float",
    }


@pytest.mark.parametrize(
    "description",
    [
        '"Quoted" at the start',
        'ends with a quote "',
        'ends with """',
        "ends with a backslash \\",
        'escaped quote at the end \\"',
        "tabs\tand\nnew lines   collapse",
        "a very long description " * 12,
        "see https://example.com/" + "a" * 120,
    ],
    ids=[
        "leading quote",
        "trailing quote",
        "triple quotes",
        "backslash",
        "escaped",
        "whitespace",
        "long",
        "url",
    ],
)
def test_any_description_gives_ruff_clean_code(invoke: Invoke, project: Path, description: str) -> None:
    result = invoke("add", "tool", "lookup_order", str(project), "--description", description)
    assert result.exit_code == 0, result.output
    written = ["src/agent/tools/lookup_order.py", "tests/test_tool_lookup_order.py"]
    for check in (["check"], ["format", "--check"]):  # with the project's own ruff settings
        ran = subprocess.run(
            [sys.executable, "-m", "ruff", *check, *written], cwd=project, capture_output=True, text=True
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
    model = next(n for n in ast.parse((project / written[0]).read_text()).body if isinstance(n, ast.ClassDef))
    assert " ".join((ast.get_docstring(model) or "").split()) == " ".join(description.split())


def test_json_output(invoke: Invoke, project: Path) -> None:
    result = invoke("add", "tool", "lookup_order", str(project), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["tool"] == "lookup_order"
    assert summary["policy"] == "SYNC"
    assert summary["files"] == ["src/agent/tools/lookup_order.py", "tests/test_tool_lookup_order.py"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("LookupOrder", "snake_case"),
        ("lookup-order", "snake_case"),
        ("1lookup", "snake_case"),
        ("_private", "snake_case"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("add", "already exists"),  # an example tool's intent
        ("done_for_now", "already exists"),
        ("base", "already exists"),  # tools/base.py is a module, not a tool
        ("tool", "shadow"),  # class Tool would shadow the import
        ("current_date", "pre-fetched"),
        ("x" * 31, "too long"),
        ("json", "standard library"),  # would replace `json` inside the tools package
        ("importlib", "standard library"),
        ("discover", "already defines"),  # a function of tools/__init__.py
    ],
)
def test_refuses_an_unusable_name_and_writes_nothing(
    invoke: Invoke, project: Path, name: str, message: str
) -> None:
    before = snapshot(project)
    result = invoke("add", "tool", name, str(project))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(project) == before


def test_refuses_a_second_tool_of_the_same_name(invoke: Invoke, project: Path) -> None:
    assert invoke("add", "tool", "lookup_order", str(project)).exit_code == 0
    before = snapshot(project)
    result = invoke("add", "tool", "lookup_order", str(project), "--approval")
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("items:list", "unknown type"),
        ("intent", "reserved"),
        ("model_config:str", "reserved"),
        ("json", "reserved"),
        ("Bad-Name", "invalid field name"),
        ("for:int", "invalid field name"),
    ],
)
def test_refuses_an_unusable_field_and_writes_nothing(
    invoke: Invoke, project: Path, field: str, message: str
) -> None:
    before = snapshot(project)
    result = invoke("add", "tool", "lookup_order", str(project), "--field", field)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(project) == before


def test_refuses_a_field_given_twice(invoke: Invoke, project: Path) -> None:
    result = invoke("add", "tool", "lookup_order", str(project), "--field", "a", "--field", "a:int")
    assert result.exit_code == 2
    assert "twice" in result.output


def _without_discovery(project: Path) -> None:
    (package_dir(project) / "tools" / "__init__.py").write_text('"""Tools, listed by hand."""\n')


def _without_tools_package(project: Path) -> None:
    (package_dir(project) / "tools" / "__init__.py").unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_without_discovery, "does not discover tool modules"),
        (_without_tools_package, "no tools package"),
    ],
)
def test_refuses_a_project_it_does_not_recognise(
    invoke: Invoke, project: Path, damage: Callable[[Path], None], message: str
) -> None:
    damage(project)
    before = snapshot(project)
    result = invoke("add", "tool", "lookup_order", str(project))
    assert result.exit_code == 2
    assert message in result.output
    assert snapshot(project) == before


def test_refuses_a_folder_that_is_not_a_project(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("add", "tool", "lookup_order", str(tmp_path))
    assert result.exit_code == 2
    assert "not a Python project" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_nothing_behind(invoke: Invoke, project: Path) -> None:
    tests = project / "tests"
    for file in tests.iterdir():
        if file.is_file():
            file.unlink()
        else:
            for inner in file.rglob("*"):
                if inner.is_file():
                    inner.unlink()
    tests.rename(project / "tests-moved")
    tests.write_text("a file where the tests folder should be\n")
    result = invoke("add", "tool", "lookup_order", str(project))
    assert result.exit_code == 1
    assert "cannot write" in result.output
    assert not (package_dir(project) / "tools" / "lookup_order.py").exists()


def test_added_tools_survive_a_template_update(invoke: Invoke, template_repo: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    result = invoke(str(project), "-y", "--template", str(template_repo), "--vcs-ref", "v0.1.0")
    assert result.exit_code == 0, result.output
    assert invoke("add", "tool", "lookup_order", str(project), "--approval").exit_code == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "add the lookup_order tool")
    added = {k: v for k, v in snapshot(project).items() if "lookup_order" in k}
    assert len(added) == 2

    # The template changes one of its own tool modules in the next release.
    owned = template_repo / "templates" / "agent" / "src" / "{{package_name}}" / "tools" / "done_for_now.py"
    owned.write_text(owned.read_text() + "\n# changed in v0.2.0\n")
    git(template_repo, "commit", "-q", "-am", "template v0.2.0")
    git(template_repo, "tag", "v0.2.0")

    result = invoke("update", str(project))
    assert result.exit_code == 0, result.output
    assert "# changed in v0.2.0" in (package_dir(project) / "tools" / "done_for_now.py").read_text()
    assert {k: v for k, v in snapshot(project).items() if "lookup_order" in k} == added
    assert audit(project).ok


# --- the generated project's own checks after adding tools ---------------------------------------


@pytest.mark.slow
def test_project_passes_its_own_checks_after_adding_tools(invoke: Invoke, project: Path) -> None:
    assert invoke("add", "tool", "lookup_order", str(project)).exit_code == 0
    result = invoke(
        "add", "tool", "send_payment_link_to_customer", str(project), "--approval",
        "--description", 'Send a "payment link" by email. A human approves each call: it moves money. ' * 2,
        "--field", "customer_email", "--field", "amount_cents:int", "--field", "rush:bool",
        "--field", "discount_rate:float",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    run_own_checks(project)
    assert audit(project).ok


@pytest.mark.slow
def test_minimal_project_passes_its_own_checks_after_adding_an_approval_tool(
    invoke: Invoke, pristine_minimal: Path, tmp_path: Path
) -> None:
    project = copy_project(pristine_minimal, tmp_path / "agent")
    result = invoke("add", "tool", "delete_file", str(project), "--approval", "--field", "path")
    assert result.exit_code == 0, result.output
    run_own_checks(project)
    assert audit(project).ok


def _shape(source: str) -> list[str]:
    """What makes a tool module a tool: its imports, its model class without the docstring, and
    the `TOOL = Tool(...)` line (the handler's body and the docstrings are the user's own)."""
    shape: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            shape.append(ast.unparse(node))
        elif isinstance(node, ast.ClassDef):
            body = [item for item in node.body if not isinstance(item, ast.Expr)]
            bare = ast.ClassDef(name=node.name, bases=node.bases, keywords=[], body=body, decorator_list=[])
            shape.append(ast.unparse(bare))
        elif isinstance(node, ast.Assign):
            shape.append(ast.unparse(node))
        elif isinstance(node, ast.FunctionDef):
            shape.append(f"def {node.name}({ast.unparse(node.args)})")
    return shape


def test_the_readme_example_is_the_shape_add_tool_writes_and_check_accepts(
    invoke: Invoke, project: Path
) -> None:
    # One shape for a tool module, stated by `add tool` and `check`: the README's example must
    # not drift from it.
    readme = (project / "README.md").read_text()
    example = readme.split("## Adding a tool", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    tools_before = audit(project).by_factor(4).summary
    module = package_dir(project) / "tools" / "get_weather.py"
    module.write_text(example)
    report = audit(project)
    assert report.ok, report.by_factor(4).summary
    assert report.by_factor(4).summary != tools_before  # counted as one more typed tool
    module.unlink()
    assert invoke("add", "tool", "get_weather", str(project), "--field", "city").exit_code == 0
    assert _shape(module.read_text()) == _shape(example)
