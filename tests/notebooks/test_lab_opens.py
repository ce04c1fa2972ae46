"""`make lab` opens JupyterLab on the triage notebook: start the same server and look at it."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ek_fixtures import REPO, require

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = "notebooks/01_triage.ipynb"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[str, str]]:
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).with_name("jupyter")
    proc = subprocess.Popen(
        [
            str(jupyter),
            "lab",
            NOTEBOOK,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={REPO}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--ServerApp.allow_root=True",  # containers and CI often run as root
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with status {proc.returncode} before serving")
            try:
                if (
                    httpx.get(f"{base}/api/status", params={"token": token}, timeout=2).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


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
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
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
