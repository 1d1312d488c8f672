"""A person approves a tool call in a real browser: a generated agent's inbox in headless Chromium.

The generated project runs as a subprocess (`python -m calc_agent serve`) with a scripted model
that asks to divide (a call that needs approval) and then finishes. Chromium is Debian's, driven
by selenium through the system chromedriver; .ci/run installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .generated import serving

pytestmark = pytest.mark.slow

TOKEN = "browser-test-token"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,700",
]


def _browser_paths() -> tuple[str, str]:
    # Debian's chromium here; GitHub's runners ship google-chrome instead.
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    reason = "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; under CI the browser test must run")
    pytest.skip(reason)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A generated agent serving its API and inbox on 127.0.0.1; yields the base URL."""
    project = tmp_path / "calc-agent"
    subprocess.run(
        [sys.executable, "-m", "create_12_factor_agent", str(project), "-y", "--no-git",
         "-d", "project_name=calc-agent", "-d", "http_api=true", "-d", "example=calculator"],
        check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    script = tmp_path / "model.json"
    script.write_text(
        json.dumps(
            [
                {"name": "divide", "arguments": {"a": 10, "b": 4}},
                {"name": "done_for_now", "arguments": {"message": "10 / 4 = 2.5"}},
            ]
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "AGENT_"))}
    env.update(
        PYTHONPATH=str(project / "src"),
        AGENT_LLM=f"scripted:{script}",
        AGENT_API_TOKEN=TOKEN,
        AGENT_DATABASE_URL=f"sqlite:///{project / 'agent.db'}",
    )
    with serving(project, "calc_agent", env, tmp_path / "server.log") as base:
        yield base


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    chromium, chromedriver = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _launch_divide(base: str) -> str:
    """Start a thread over the API, as a script would, and wait until it asks for approval."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        response = api.post("/threads", json={"message": "divide 10 by 4"})
        assert response.status_code == 202, response.text
        thread_id: str = response.json()["id"]
        deadline = time.monotonic() + 20
        while api.get(f"/threads/{thread_id}").json()["status"] != "waiting_for_approval":
            assert time.monotonic() < deadline, "the thread never asked for approval"
            time.sleep(0.05)
    return thread_id


def test_a_person_signs_in_and_approves_in_the_browser(
    browser: webdriver.Chrome, server: str, tmp_path: Path
) -> None:
    thread_id = _launch_divide(server)
    wait = WebDriverWait(browser, 20)

    browser.get(f"{server}/inbox")
    assert browser.current_url.endswith("/inbox/login")
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()

    item = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'li[data-thread="{thread_id}"]'))
    assert "divide" in item.text
    assert "waiting" in item.text
    _assert_screenshot(browser, tmp_path / "inbox.png")
    cookies = {c["name"]: c for c in browser.get_cookies()}
    assert cookies["inbox_token"]["httpOnly"]
    assert cookies["inbox_token"]["sameSite"] == "Strict"

    item.find_element(By.CSS_SELECTOR, "button.approve").click()
    wait.until(lambda d: d.find_element(By.ID, "status").get_attribute("data-status") == "done")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Approved." in page
    assert "result: 2.5" in page  # the divide call ran, after the approval
    assert "10 / 4 = 2.5" in page

    _assert_screenshot(browser, tmp_path / "approved.png")


def _assert_screenshot(browser: webdriver.Chrome, path: Path) -> None:
    """Save a screenshot (kept in the test's tmp dir) and check that it shows something."""
    assert browser.save_screenshot(str(path))
    width, height, spread = _luminance_spread(path.read_bytes())
    assert width >= 800
    assert height >= 400
    assert spread > 10, f"{path.name} is blank"


def _luminance_spread(png: bytes) -> tuple[int, int, float]:
    """Width, height and the standard deviation of pixel brightness of an 8-bit RGB(A) PNG.
    A blank page gives ~0; text, badges and buttons give far more."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color not in (2, 6) or interlace != 0:
        pytest.fail(f"unexpected PNG format: depth {depth}, color type {color}, interlace {interlace}")
    bpp = 3 if color == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(chunks))
    previous = bytearray(stride)
    samples: list[int] = []
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, bpp)
        if y % 4 == 0:
            samples.extend(
                (line[x] * 299 + line[x + 1] * 587 + line[x + 2] * 114) // 1000
                for x in range(0, stride, bpp * 4)
            )
        previous = line
    return width, height, statistics.pstdev(samples)


def _unfilter(kind: int, line: bytearray, prior: bytearray, bpp: int) -> bytearray:
    """Undo one PNG scanline filter (None, Sub, Up, Average, Paeth), in place."""
    if kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 2:
        for i in range(len(line)):
            line[i] = (line[i] + prior[i]) & 0xFF
    elif kind == 3:
        for i in range(len(line)):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (left + prior[i]) // 2) & 0xFF
    elif kind == 4:
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prior[i], prior[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + predictor) & 0xFF
    return line
