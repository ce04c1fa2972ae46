"""`escalation-kit app` on the sample data, driven in headless Debian Chromium (Playwright) with
every non-local request blocked: sort, filter, keyboard, override, bulk accept, draft the package,
and a hostile ticket title shown as text. Asserts the page and the ledger; saves screenshots
(to EK_SCREENSHOTS, e.g. docs/screenshots, else the test's tmp folder)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ek_fixtures import CHROMIUM, CHROMIUM_ARGS, REPO, SAMPLE_DATA, not_local, require, wait_for
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.escalations import get_escalation, linked_tickets
from escalation_kit.ledger.reviews import review_states
from escalation_kit.sandbox import Sandbox

HOSTILE = "<img src=x onerror=alert(1)>"
ANALYST = "Ana Analyst"
GRID = "table[role=grid]"
ROWS = f"{GRID} tbody tr"


def tickets_with_a_hostile_title(folder: Path) -> Path:
    """The sample tickets plus one whose title is markup (newest, so first in the queue)."""
    source = SAMPLE_DATA / "tickets.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    hostile = dict(rows[0])
    hostile.update(
        ticket_id="INC0099999",
        title=HOSTILE,
        description=f"{HOSTILE} appears when the page loads",
        reported_at="2026-11-19T23:00:00Z",
    )
    target = folder / "tickets.csv"
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, hostile])
    return target


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app on the sample data; yields (URL, ledger URL) and stops it afterwards."""
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    sandbox = Sandbox(SAMPLE_DATA / "health.json")  # plays Microsoft Graph for the health panel
    sandbox.start()
    env = os.environ | {
        "ESCALATION_KIT_GRAPH_URL": sandbox.base_url,
        "ESCALATION_KIT_DB": db,
        "ESCALATION_KIT_ANALYST": ANALYST,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": str(REPO / "src"),
    }
    command = [
        str(Path(sys.executable).with_name("escalation-kit")),
        "app",
        "--tickets",
        str(tickets_with_a_hostile_title(tmp_path)),
        "--customers",
        str(SAMPLE_DATA / "customers.csv"),
        "--health",
        str(SAMPLE_DATA / "health.json"),
        "--out",
        str(tmp_path / "out"),
        "--port",
        "0",
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()  # the first line is the URL
        assert url.startswith("http://127.0.0.1:"), url
        yield url, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        sandbox.stop()


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("EK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cells(page: object, key: str) -> list[str]:
    return page.locator(f"{ROWS} td[data-key={key}]").all_inner_texts()  # type: ignore[attr-defined]


@pytest.mark.browser
def test_analyst_works_the_queue_in_the_app(app: tuple[str, str], tmp_path: Path) -> None:
    require(
        CHROMIUM.exists(), "Chromium (Debian package 'chromium') is needed for the browser test"
    )
    from playwright.sync_api import sync_playwright

    url, db = app
    shots = shots_dir(tmp_path)
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(not_local, lambda route: route.abort())  # nothing leaves 127.0.0.1
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        page.wait_for_selector(ROWS, timeout=60_000)
        total = page.locator(ROWS).count()
        assert total == 601

        # the hostile title is text in the grid and in the detail pane; nothing ran
        assert page.locator(f"{ROWS}").first.locator("td[data-key=title]").inner_text() == HOSTILE
        assert page.locator(f"{GRID} img, .ek-detail-pane img").count() == 0
        assert HOSTILE in page.locator(".ek-detail-pane").inner_text()

        # sort by severity: critical first, the header says so
        page.locator(f"{GRID} th[data-key=severity] button").click()
        wait_for(lambda: cells(page, "severity")[0] == "critical", "the severity sort")
        header = page.locator(f"{GRID} th[data-key=severity]")
        assert header.get_attribute("aria-sort") == "descending"
        severities = cells(page, "severity")
        rank = {"critical": 3, "moderate": 2, "minimal": 1}
        assert [rank.get(s, 0) for s in severities] == sorted(
            (rank.get(s, 0) for s in severities), reverse=True
        )
        page.screenshot(path=str(shots / "console.png"))

        # filter to needs review: every row says so
        page.locator(".ek-view button", has_text="needs review").click()
        wait_for(lambda: 0 < page.locator(ROWS).count() < total, "the needs-review view")
        review = page.locator(ROWS).count()
        assert set(cells(page, "confidence_text")) == {"needs review"}

        # the keyboard moves through the queue (j, j, k) and the detail follows
        ids = [row.get_attribute("data-id") for row in page.locator(ROWS).all()]
        page.locator(ROWS).first.click()
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        cursor = page.locator(f"{ROWS}.ek-cursor")
        wait_for(lambda: cursor.get_attribute("data-id") == ids[1], "the cursor on row 2")
        chosen = ids[1]
        assert chosen is not None
        wait_for(lambda: chosen in page.locator(".ek-detail-pane").inner_text(), "the detail")

        # override it with a reason: o focuses the reason; the grid updates at once
        page.locator(".ek-override-category select").select_option("bug")
        page.locator(f"{ROWS}.ek-cursor").click()
        page.keyboard.press("o")
        reason = page.locator(".ek-reason input")
        wait_for(lambda: reason.evaluate("el => el === document.activeElement"), "reason focus")
        reason.fill("the customer reproduced it on a clean profile")
        enabled = page.locator("button.ek-override:not([disabled])")
        enabled.wait_for(timeout=30_000)  # the kernel has the reason
        enabled.click()
        wait_for(lambda: page.locator(ROWS).count() == review - 1, "the row to leave the view")
        focused = "() => document.activeElement && document.activeElement.getAttribute('role')"
        wait_for(lambda: page.evaluate(focused) == "grid", "the focus back on the queue")
        page.locator(".ek-view button", has_text="all tickets").click()
        page.locator(".ek-search input").fill(chosen)
        wait_for(lambda: page.locator(ROWS).count() == 1, "the search")
        row = page.locator(ROWS).first
        assert row.locator("td[data-key=category]").inner_text() == "bug"
        assert row.locator("td[data-key=status]").inner_text() == "reviewed"
        assert row.locator("td[data-key=analyst]").inner_text() == ANALYST
        assert "override to bug recorded" in page.locator(".ek-status").inner_text()

        # bulk-accept three tickets to escalate: x selects, a accepts
        page.locator(".ek-search input").fill("")
        page.locator(".ek-view button", has_text="to escalate").click()
        wait_for(lambda: page.locator(ROWS).count() > 3, "the to-escalate view")
        new_rows = page.locator(f"{ROWS}:has(td[data-key=status]:text-is('new'))")
        accepted = [new_rows.nth(i).get_attribute("data-id") for i in range(3)]
        new_rows.first.click()
        for ticket in accepted:
            page.locator(f"{ROWS}[data-id='{ticket}']").click(modifiers=["Control"])
        wait_for(lambda: page.locator(f"{ROWS}[aria-selected=true]").count() == 3, "three selected")
        page.keyboard.press("a")
        wait_for(
            lambda: "accepted 3 decision(s)" in page.locator(".ek-bulk-status").inner_text(),
            "the bulk accept",
            detail=lambda: page.locator(".ek-triage-console").inner_text()[-2000:],
        )
        statuses = [f"{ROWS}[data-id='{ticket}'] td[data-key=status]" for ticket in accepted]
        wait_for(
            lambda: all(page.locator(s).inner_text() == "reviewed" for s in statuses),
            "the accepted rows to say reviewed",
        )
        wait_for(  # the accepted selection is cleared (the grid's state arrives after the rows)
            lambda: page.locator(f"{ROWS}[aria-selected=true]").count() == 0,
            "the selection cleared after the bulk accept",
        )

        # draft the overridden ticket's package (e) and read its text
        page.locator(".ek-view button", has_text="all tickets").click()
        page.locator(".ek-search input").fill(chosen)
        wait_for(lambda: page.locator(ROWS).count() == 1, "the search")
        page.locator(ROWS).first.click()
        page.keyboard.press("e")
        package = page.locator(".ek-copy-text").first
        wait_for(lambda: "FILING PACKAGE" in package.inner_text(), "the package text")
        text = package.inner_text()
        assert chosen in text
        download = page.locator(".ek-download").first
        assert (download.get_attribute("download") or "").endswith(".txt")
        page.locator(".ek-copy-bar button", has_text="Copy").first.click()
        copied = page.locator(".ek-copy-bar span").first
        wait_for(lambda: copied.inner_text() != "", "the copy to say what it did")
        page.screenshot(path=str(shots / "console_package.png"))

        status = page.locator(f"{ROWS}[data-id='{chosen}'] td[data-key=status]")
        wait_for(lambda: status.inner_text() == "escalated", "the drafted ticket's status")

        page.locator(".ek-search input").fill("onerror")
        wait_for(lambda: cells(page, "title") == [HOSTILE], "the hostile ticket alone")

        # the health panel: emulator sign-in, sync every tenant, per-tenant results
        page.locator(".lm-TabBar-tab", has_text="Health").first.click()
        page.locator("button", has_text="Sign in").click()
        wait_for(lambda: "signed in" in page.locator(".ek-health-panel").inner_text(), "sign-in")
        page.locator("button", has_text="Select all").click()
        page.locator("button", has_text="Sync health").click()
        wait_for(
            lambda: (
                "60 tenant(s) synced, 0 failed" in page.locator(".ek-health-panel").inner_text()
            ),
            "the health sync",
            timeout=60,
        )
        page.screenshot(path=str(shots / "console_health.png"))
        browser.close()

    assert dialogs == []
    assert errors == []
    with Ledger(db) as ledger:
        effective = ledger.decisions(ticket_ids=[chosen]).iloc[0]
        assert effective["category"] == "bug"
        assert effective["overridden_by"] == ANALYST
        assert effective["override_reason"] == "the customer reproduced it on a clean profile"
        reviews = review_states(ledger).set_index("ticket_id")
        assert set(reviews.index) == {chosen, *accepted}
        assert set(reviews.loc[accepted, "review"]) == {"accepted"}
        assert set(reviews["reviewed_by"]) == {ANALYST}
        with ledger.reading() as conn:
            escalation_id = linked_tickets(conn)[chosen]
            record = get_escalation(conn, escalation_id)
        assert record is not None and record.status == "draft"
        assert chosen in [t["ticket_id"] for t in (record.package or {})["tickets"]]
    assert (tmp_path / "out" / "packages" / "index.csv").exists()
    index = (tmp_path / "out" / "packages" / "index.csv").read_text(encoding="utf-8")
    assert chosen in index
