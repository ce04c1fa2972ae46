"""The triage console inside JupyterLab on 01_triage.ipynb (Debian Chromium, Playwright, every
non-local request blocked): Run All drafts nothing before review; the queue's keys move the
ticket, never the notebook's cells; an override shows at once; the reviewed decision is drafted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from lab_server import running_lab

from ek_fixtures import CHROMIUM, CHROMIUM_ARGS, REPO, not_local, require, wait_for
from escalation_kit.ledger import Ledger

NOTEBOOK = "notebooks/01_triage.ipynb"
ANALYST = "Ana Analyst"
ROWS = "table[role=grid] tbody tr"


@pytest.mark.browser
def test_console_in_jupyterlab_keeps_keys_and_drafts_only_reviewed(tmp_path: Path) -> None:
    require(
        CHROMIUM.exists(), "Chromium (Debian package 'chromium') is needed for the browser test"
    )
    from playwright.sync_api import sync_playwright

    # a copy of the notebook beside the sample data: the run never touches the repository
    (tmp_path / "notebooks").mkdir()
    shutil.copy(REPO / NOTEBOOK, tmp_path / NOTEBOOK)
    (tmp_path / "data").symlink_to(REPO / "data")
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {"ESCALATION_KIT_DB": db, "ESCALATION_KIT_ANALYST": ANALYST}
    shots = Path(os.environ.get("EK_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with running_lab(tmp_path, env=env) as (base, token), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(not_local, lambda route: route.abort())
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.locator("text=Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        page.wait_for_selector(ROWS, timeout=90_000)
        packages = page.locator(".jp-CodeCell").filter(has_text="app.reviewed_decisions()")
        wait_for(
            lambda: "Nothing reviewed yet" in packages.locator(".jp-OutputArea").inner_text(),
            "Run All to reach the packages cell",
            timeout=60,
        )
        cells = page.locator(".jp-Notebook .jp-Cell").count()

        ids = [row.get_attribute("data-id") for row in page.locator(ROWS).all()[:5]]
        page.locator(ROWS).first.click()
        active = page.locator(".jp-Cell.jp-mod-active").get_attribute("id")
        for key in ("j", "j", "ArrowDown", "k"):
            page.keyboard.press(key)
        cursor = page.locator(f"{ROWS}.ek-cursor")
        wait_for(lambda: cursor.get_attribute("data-id") == ids[2], "the cursor on row 3")
        chosen = ids[2]
        assert chosen is not None
        # the kernel has caught up (the detail shows it) before the override form is used
        wait_for(lambda: chosen in page.locator(".ek-detail-pane").inner_text(), "the detail")
        # override it: o focuses the reason; a in the grid must not add a notebook cell
        page.locator(".ek-override-category select").select_option("bug")
        cursor.click()
        page.keyboard.press("o")
        reason = page.locator(".ek-reason input")
        wait_for(lambda: reason.evaluate("el => el === document.activeElement"), "reason focus")
        reason.fill("reproduced on a clean profile")
        enabled = page.locator("button.ek-override:not([disabled])")
        enabled.wait_for(timeout=30_000)  # the kernel has the reason
        enabled.click()
        row = page.locator(f"{ROWS}[data-id='{chosen}']")
        wait_for(
            lambda: row.locator("td[data-key=category]").inner_text() == "bug",
            "the override",
            detail=lambda: page.locator(".ek-status").inner_text(),
        )
        assert row.locator("td[data-key=status]").inner_text() == "reviewed"
        assert row.locator("td[data-key=analyst]").inner_text() == ANALYST
        page.locator(f"{ROWS}[data-id='{ids[0]}']").click()
        page.keyboard.press("a")
        first = page.locator(f"{ROWS}[data-id='{ids[0]}'] td[data-key=status]")
        wait_for(lambda: first.inner_text() == "reviewed", "the accept")
        assert page.locator(".jp-Notebook .jp-Cell").count() == cells  # no cell added by a/o
        assert page.locator(".jp-Cell.jp-mod-active").get_attribute("id") == active
        news = page.get_by_role("button", name="No", exact=True)  # Lab's "news?" toast
        if news.count():
            news.first.click()
        page.locator(".ek-triage-console").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(shots / "console_lab.png"))

        # now the packages cell drafts the reviewed decisions (the bug override escalates)
        packages.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        wait_for(
            lambda: "package(s) in" in packages.locator(".jp-OutputArea").inner_text(),
            "the packages cell",
            timeout=60,
        )
        browser.close()
    assert errors == []
    with Ledger(db) as ledger:
        assert ledger.decisions(ticket_ids=[chosen]).iloc[0]["category"] == "bug"
        assert ledger.events(action="drafted")  # the reviewed bug override escalates
    index = (tmp_path / "out" / "packages" / "index.csv").read_text(encoding="utf-8")
    assert chosen in index
