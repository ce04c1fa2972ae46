"""The HTML report and the ``report`` / ``history`` commands."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from analytics_data import history
from typer.testing import CliRunner

from escalation_kit.analytics.report import build_report, filter_period
from escalation_kit.analytics.summary import summarize
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.cli import app
from escalation_kit.cli.analytics import until_bound
from escalation_kit.errors import InputError
from escalation_kit.intake.history import load_history, write_history

runner = CliRunner()
SYNTHETIC = synthetic_history(3_000, seed=9)


def test_report_is_self_contained() -> None:
    html = build_report(SYNTHETIC).html
    assert html.count("Plotly.newPlot(") == 7
    assert html.count("plotly.js v") == 1  # the library inlined once
    assert len(re.findall(r"<script[^>]*\ssrc=", html)) == 0
    assert "<link" not in html
    assert "@import" not in html and "url(http" not in html
    assert "window.PlotlyGeoAssets.topojson['world_110m']" in html
    assert 'data-theme="light"' in html


def test_report_repr_is_short_and_renders_in_notebooks() -> None:
    report = build_report(history())
    assert "<html" not in repr(report) and len(repr(report)) < 2_000
    assert report._repr_html_().startswith("<ul><li>6 escalations from 2026-01-05")


def test_report_escapes_data_from_the_history() -> None:
    frame = history()
    frame["service"] = frame["service"].astype(str)
    frame.loc[:, "service"] = "<script>alert(1)</script>"
    html = build_report(frame).html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_summary_numbers() -> None:
    summary = summarize(history())
    assert (summary.total, summary.open) == (6, 2)
    assert summary.top_category == ("bug", 4)
    assert summary.top_region == ("Europe", 3)
    assert summary.median_hours == 7.0  # 2, 4, 10, 24
    # last creation 02-02 12:00: the 28 days up to it hold E2..E6, the 28 before them E1
    assert (summary.recent, summary.previous) == (5, 1)
    sentences = summary.sentences()
    assert sentences[0] == "6 escalations from 2026-01-05 to 2026-02-02; 2 still open."
    assert "Most frequent category: Bug (4, 67%)." in sentences
    assert "Last 28 days: 5 escalations, +400% against the 28 days before (1)." in sentences


def test_report_backlog_of_a_window_counts_older_open_escalations() -> None:
    report = build_report(history(), since="2026-01-19")
    backlog = report.figures["backlog"].data[0]
    # only E6 is created in the window, but E4 (opened 01-12) is still open throughout
    assert list(backlog.y) == [2]
    assert report.summary.total == 1


def test_report_of_an_empty_period() -> None:
    report = build_report(history(), since="2030-01-01")
    assert report.summary.sentences() == ["No escalations in this period."]
    assert len(report.figures) == 7
    assert "No escalations in this period." in report.html


def test_filter_period_is_half_open() -> None:
    kept = filter_period(history(), since="2026-01-06", until="2026-01-12T08:00:00Z")
    assert kept["escalation_id"].tolist() == ["E2", "E3"]
    with pytest.raises(InputError, match="not a date"):
        filter_period(history(), since="yesterday-ish")


def test_until_date_includes_that_day() -> None:
    assert until_bound("2026-01-31") == pd.Timestamp("2026-02-01", tz="UTC")
    assert until_bound("2026-01-31T12:00:00Z") == "2026-01-31T12:00:00Z"


def test_export_writes_csv_and_excel(tmp_path: Path) -> None:
    report = build_report(history())
    written = report.export_tables(tmp_path / "tables")
    names = sorted(p.name for p in written)
    assert names == sorted([f"{n}.csv" for n in report.tables] + ["report_tables.xlsx"])
    services = pd.read_csv(tmp_path / "tables" / "top_services.csv")
    assert services.iloc[0].tolist() == ["Exchange Online", 3, 0.5]
    sheets = pd.read_excel(tmp_path / "tables" / "report_tables.xlsx", sheet_name=None)
    assert set(sheets) == set(report.tables)


def test_export_defuses_spreadsheet_formulas(tmp_path: Path) -> None:
    frame = history()
    frame["service"] = frame["service"].astype(str)
    frame.loc[:, "service"] = '=HYPERLINK("http://x","y")'
    build_report(frame).export_tables(tmp_path)
    services = pd.read_csv(tmp_path / "top_services.csv")
    assert services["service"].tolist() == ['\'=HYPERLINK("http://x","y")']
    sheet = pd.read_excel(tmp_path / "report_tables.xlsx", sheet_name="top_services")
    assert sheet["service"].iloc[0].startswith("'=")


def test_report_command_from_file(tmp_path: Path) -> None:
    source = write_history(SYNTHETIC, tmp_path / "history.csv")
    with source.open("a", encoding="utf-8") as f:
        f.write("BAD,t,DE,Europe,Planner,printer,critical,2026-01-01T00:00:00Z,,open\n")
    out = tmp_path / "out" / "report.html"
    result = runner.invoke(
        app,
        [
            "report",
            "--history",
            str(source),
            "--out",
            str(out),
            "--theme",
            "dark",
            "--since",
            "2024-01-01",
            "--export-dir",
            str(tmp_path / "tables"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and 'data-theme="dark"' in out.read_text(encoding="utf-8")
    assert "1 of 3001 history row(s) rejected" in result.output
    rejects = pd.read_csv(out.with_name("report.rejects.csv"))
    assert rejects[["row", "field"]].values.tolist() == [[3002, "category"]]
    assert (tmp_path / "tables" / "report_tables.xlsx").exists()


def test_report_command_warns_about_cleaned_history_cells(tmp_path: Path) -> None:
    source = write_history(SYNTHETIC.head(30), tmp_path / "history.csv")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = [
        f"ESC-X{i},t{i},DE,Europe,Tea\x07ms,bug,critical,2026-01-01T00:00:00Z,,open\n"
        for i in range(25)
    ]
    source.write_text("".join([*lines, *cells]), encoding="utf-8")
    result = runner.invoke(
        app, ["report", "--history", str(source), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning: row 32 (ESC-X0): service: control characters removed from service"
        in result.output
    )
    assert result.output.count("warning: ") == 20
    assert "... and 5 more warning(s)" in result.output


def test_report_command_errors_are_clean(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--history", str(tmp_path / "x.csv"), "--out", "r.html"])
    assert result.exit_code == 1
    assert "error: file" in result.output and "history file not found" in result.output
    source = write_history(history(), tmp_path / "h.csv")
    result = runner.invoke(
        app, ["report", "--history", str(source), "--out", str(tmp_path / "r.html"), "--theme", "x"]
    )
    assert result.exit_code == 1
    assert "theme 'x' is not one of: light, dark" in result.output
    for option in ("--since", "--until"):
        result = runner.invoke(
            app, ["report", "--history", str(source), "--out", "r.html", option, "2026-13-45"]
        )
        assert result.exit_code == 1
        assert result.output.startswith("error: ") and "2026-13-45" in result.output


def test_history_import_export_and_report_from_the_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    source = write_history(history(), tmp_path / "h.csv")
    first = runner.invoke(app, ["history", "import", str(source)])
    again = runner.invoke(app, ["history", "import", str(source)])
    assert "imported 6 escalation(s); 0 already in the ledger" in first.output
    assert "imported 0 escalation(s); 6 already in the ledger" in again.output
    exported = tmp_path / "export.parquet"
    result = runner.invoke(
        app, ["history", "export", "--out", str(exported), "--until", "2026-01-12"]
    )
    assert result.exit_code == 0, result.output
    assert load_history(exported).accepted["escalation_id"].tolist() == ["E1", "E2", "E3", "E4"]
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--out", str(out), "--since", "2026-01-06"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "(5 escalations)" in result.output


def test_every_command_has_help() -> None:
    for args in (
        ["report", "--help"],
        ["history", "import", "--help"],
        ["history", "export", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "Example:" in result.output
