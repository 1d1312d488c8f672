"""MCP tools in the generated agent: what a call costs through the bridge (stdio subprocess and
in-process), what the schema check adds, and how long a server takes to start. Prints medians,
percentiles and ratios; nothing here asserts a time.

    uv run python bench/mcp_bench.py [CALLS]
"""

import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PACKAGE = "mcpbench"


def generate(parent: Path) -> Path:
    root = parent / PACKAGE
    argv = [sys.executable, "-m", "create_12_factor_agent", str(root), "--defaults", "--no-git"]
    argv += ["--data", f"project_name={PACKAGE}", "--data", "mcp=true", "--data", "http_api=false"]
    subprocess.run(argv, capture_output=True, text=True, check=True)
    sys.path.insert(0, str(root / "src"))
    return root


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_calls(run: Callable[[], object], calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return samples


def main(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp))
        bridge_mod = importlib.import_module(f"{PACKAGE}.mcp_bridge")
        config_mod = importlib.import_module(f"{PACKAGE}.mcp_config")
        tools_mod = importlib.import_module(f"{PACKAGE}.mcp_tools")
        registry = importlib.import_module(f"{PACKAGE}.tools").discover()
        server_script = root / "tests" / "mcp_server.py"
        entry = {"command": sys.executable, "args": [str(server_script)], "approval": False}
        config = config_mod.McpConfig.model_validate({"mcpServers": {"notes": entry}})

        bridge = bridge_mod.McpBridge(config.servers, timeout=60)
        start = time.perf_counter()
        tools = tools_mod.with_mcp_tools(registry, bridge, config)
        cold = time.perf_counter() - start
        shout = tools["notes__shout"]
        stdio = timed_calls(lambda: shout.run(tools.parse("notes__shout", '{"text": "hi"}')), calls)
        parse = timed_calls(lambda: tools.parse("notes__shout", '{"text": "hi"}'), calls)
        bridge.close()

        from mcp.server.mcpserver import MCPServer

        server = MCPServer("notes")

        @server.tool()
        def shout_inproc(text: str) -> str:  # the same work as the stdio server's shout
            return text.upper()

        inproc_bridge = bridge_mod.McpBridge({"notes": server}, timeout=60)
        arguments = {"text": "hi"}
        inproc = timed_calls(lambda: inproc_bridge.call_tool("notes", "shout_inproc", arguments), calls)
        inproc_bridge.close()

    def line(name: str, values: list[float]) -> str:
        p50, p95 = statistics.median(values) * 1e3, percentile(values, 0.95) * 1e3
        return f"{name:<34} p50 {p50:8.3f} ms   p95 {p95:8.3f} ms"

    print(f"server start + list tools (stdio, cold): {cold:.2f} s")
    print(line("call through bridge, stdio", stdio))
    print(line("call through bridge, in-process", inproc))
    print(line("parse + schema check only", parse))
    print(f"stdio / in-process call: {statistics.median(stdio) / statistics.median(inproc):.1f}x")
    print(f"schema check share of a stdio call: {statistics.median(parse) / statistics.median(stdio):.1%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
