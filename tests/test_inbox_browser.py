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
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from .generated import serving

pytestmark = pytest.mark.slow

TOKEN = "browser-test-token-0123456789abcdef01"
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


DIVIDE_THEN_DONE = [
    {"name": "divide", "arguments": {"a": 10, "b": 4}},
    {"name": "done_for_now", "arguments": {"message": "10 / 4 = 2.5"}},
]
ASK_THEN_DONE = [
    {"name": "request_more_information", "arguments": {"message": "Which numbers, exactly?"}},
    {"name": "done_for_now", "arguments": {"message": "Thanks, noted."}},
]
PHONE = (390, 844)  # CSS pixels of a common phone in portrait


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A generated agent serving its API and inbox on 127.0.0.1; yields the base URL. The
    scripted model's answers are DIVIDE_THEN_DONE unless the test passes others (indirect)."""
    project = tmp_path / "calc-agent"
    subprocess.run(
        [sys.executable, "-m", "create_12_factor_agent", str(project), "-y", "--no-git",
         "-d", "project_name=calc-agent", "-d", "http_api=true", "-d", "example=calculator"],
        check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    script = tmp_path / "model.json"
    script.write_text(json.dumps(getattr(request, "param", DIVIDE_THEN_DONE)))
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


def _launch(base: str, message: str, until: str) -> str:
    """Start a thread over the API, as a script would, and wait until it reaches `until`."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        response = api.post("/threads", json={"message": message})
        assert response.status_code == 202, response.text
        thread_id: str = response.json()["id"]
        deadline = time.monotonic() + 20
        while api.get(f"/threads/{thread_id}").json()["status"] != until:
            assert time.monotonic() < deadline, f"the thread never reached {until}"
            time.sleep(0.05)
    return thread_id


def _launch_divide(base: str) -> str:
    return _launch(base, "divide 10 by 4", "waiting_for_approval")


def _sign_in(browser: webdriver.Chrome, server: str) -> None:
    browser.get(f"{server}/inbox")
    assert browser.current_url.endswith("/inbox/login")
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()


def _assert_fits_the_width(browser: webdriver.Chrome, *elements: WebElement) -> None:
    """Nothing on the page scrolls sideways, and each element lies wholly inside the viewport."""
    width = browser.execute_script("return window.innerWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    for element in elements:
        rect = element.rect
        assert rect["x"] >= 0, f"{element.text!r} starts left of the screen"
        assert rect["x"] + rect["width"] <= width, f"{element.text!r} is cut off at {width} px"


def test_a_person_signs_in_and_approves_in_the_browser(
    browser: webdriver.Chrome, server: str, tmp_path: Path
) -> None:
    thread_id = _launch_divide(server)
    wait = WebDriverWait(browser, 20)
    _sign_in(browser, server)

    item = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'li[data-thread="{thread_id}"]'))
    assert item.find_element(By.CSS_SELECTOR, "h2.title").text == "divide 10 by 4"
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
    steps = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "ol.steps p.heading")]
    # The divide call ran after the approval, and the timeline reads as steps.
    assert steps == [
        "Request (via http)",
        "Pre-fetched current_date",
        "Result of current_date",
        "The agent asks to run divide",
        "Approved divide",
        "Result of divide",
        "The agent is done",
    ]
    assert "10 / 4 = 2.5" in page

    _assert_screenshot(browser, tmp_path / "approved.png")


@pytest.mark.parametrize("server", [ASK_THEN_DONE], indirect=True)
def test_at_phone_width_a_person_answers_with_every_control_on_screen(
    browser: webdriver.Chrome, server: str, tmp_path: Path
) -> None:
    browser.set_window_size(*PHONE)
    thread_id = _launch(server, "add some numbers for me", "waiting_for_human")
    wait = WebDriverWait(browser, 20)
    _sign_in(browser, server)

    item = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'li[data-thread="{thread_id}"]'))
    assert item.find_element(By.CSS_SELECTOR, "h2.title").text == "add some numbers for me"
    assert "Which numbers, exactly?" in item.text
    answer = item.find_element(By.CSS_SELECTOR, "textarea[name=answer]")
    send = item.find_element(By.CSS_SELECTOR, "button.answer")
    _assert_fits_the_width(browser, answer, send)
    _assert_screenshot(browser, tmp_path / "phone-inbox.png", min_width=PHONE[0] - 20)

    answer.send_keys("2 and 3")
    send.click()
    wait.until(lambda d: d.find_element(By.ID, "status").get_attribute("data-status") == "done")
    _assert_fits_the_width(browser, browser.find_element(By.CSS_SELECTOR, "h1.title"))
    assert "Thanks, noted." in browser.find_element(By.TAG_NAME, "main").text


def _assert_screenshot(browser: webdriver.Chrome, path: Path, min_width: int = 800) -> None:
    """Save a screenshot (kept in the test's tmp dir) and check that it shows something."""
    assert browser.save_screenshot(str(path))
    width, height, spread = _luminance_spread(path.read_bytes())
    assert width >= min_width
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
