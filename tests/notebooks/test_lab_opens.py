"""`make lab` opens JupyterLab on the triage notebook: start the same server and look at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lab_server import running_lab

from ek_fixtures import CHROMIUM, CHROMIUM_ARGS, REPO, require

NOTEBOOK = "notebooks/01_triage.ipynb"


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[str, str]]:
    with running_lab(REPO) as served:
        yield served


def test_lab_serves_the_triage_notebook(lab: tuple[str, str]) -> None:
    base, token = lab
    response = httpx.get(f"{base}/api/contents/{NOTEBOOK}", params={"token": token}, timeout=10)
    assert response.status_code == 200
    cells = response.json()["content"]["cells"]
    assert any("triage" in "".join(cell["source"]).lower() for cell in cells)


def test_lab_renders_the_notebook_in_chromium(lab: tuple[str, str], tmp_path: Path) -> None:
    require(
        CHROMIUM.exists(), "Chromium (Debian package 'chromium') is needed for the browser test"
    )
    from playwright.sync_api import sync_playwright

    base, token = lab
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        shot = tmp_path / "lab.png"
        page.screenshot(path=str(shot))
        browser.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
    assert errors == []
