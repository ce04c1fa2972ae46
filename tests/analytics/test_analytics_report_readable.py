"""The report for people: one count of unusual weeks everywhere, customer names beside tenant
ids, percentages, plain words for the anomaly columns, and no promise of an export."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from analytics_data import history, weekly_rows
from typer.testing import CliRunner

from ek_fixtures import REPO, SAMPLE_DATA
from escalation_kit.analytics.anomalies import readable_anomalies, weekly_anomalies
from escalation_kit.analytics.report import build_report, percent
from escalation_kit.analytics.summary import summarize
from escalation_kit.cli import app
from escalation_kit.errors import InputError
from escalation_kit.intake.history import load_history, write_history
from escalation_kit.ledger import Ledger
from escalation_kit.widgets.trends_app import TrendsApp

runner = CliRunner()
TENANT_A = "0426469f-4ec4-40bc-b47a-8822011f2f50"
TENANT_B = "481d9345-43f8-4d4a-b045-4ba1130fb7bd"


def spiky() -> pd.DataFrame:
    """Two unusual weeks: bug (2–3 a week, then 10) and service unavailable (1, then 9)."""
    return history(
        weekly_rows("bug", [2, 3, 2, 3, 2, 3, 2, 3, 10])
        + weekly_rows("service_unavailable", [1, 1, 1, 1, 1, 1, 1, 1, 9])
    )


def unusual_sentence(sentences: list[str]) -> str:
    (sentence,) = [s for s in sentences if "unusual week" in s]
    return sentence


def test_summary_report_and_trends_app_count_the_same_unusual_weeks() -> None:
    frame = spiky()
    assert len(weekly_anomalies(frame)) == 2
    report = build_report(frame)
    summary = summarize(frame)  # without anomalies given: computed, not "none"
    app = TrendsApp(frame)
    assert summary.unusual_weeks == report.summary.unusual_weeks == 2
    assert len(report.tables["anomalies"]) == 2
    sentence = unusual_sentence(summary.sentences())
    assert sentence.startswith("2 unusual weeks: ")
    assert "Bug in the week of 2026-03-02: 10 (usually 2.5, 4.0×)" in sentence
    assert sentence == unusual_sentence(report.summary.sentences())
    assert re.sub("<[^>]+>", "", app.summary.value).count("2 unusual weeks: ") == 1
    assert "No unusual weeks" not in app.summary.value


def test_only_the_top_weeks_are_listed_but_all_are_counted() -> None:
    sentence = unusual_sentence(summarize(spiky(), top=1).sentences())
    assert sentence.startswith("2 unusual weeks; the 1 most unusual: ")
    assert summarize(history()).sentences()[-1] == "No unusual weeks."


def test_the_sample_history_agrees_everywhere() -> None:
    path = SAMPLE_DATA / "escalation_history.csv"
    if not path.exists():
        pytest.skip(f"{path} is produced by the data work")
    frame = load_history(path).accepted
    flagged = weekly_anomalies(frame)
    report = build_report(frame)
    app = TrendsApp(frame)
    assert len(flagged) > 3  # the count the notebook once listed was only the top 3
    assert report.summary.unusual_weeks == len(flagged) == len(report.tables["anomalies"])
    assert f"{len(flagged):,} unusual weeks; the 3 most unusual" in app.summary.value
    assert f"{len(flagged):,} unusual weeks; the 3 most unusual" in report.html


def test_the_trends_notebook_uses_the_same_definition() -> None:
    notebook = nbformat.read(REPO / "notebooks" / "02_escalation_trends.ipynb", as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "weekly_anomalies(history)" in code  # the defaults: window 8, threshold 3
    assert "readable_anomalies(anomalies)" in code
    assert "summarize(history, anomalies=anomalies)" in code


def test_anomaly_table_speaks_plainly() -> None:
    report = build_report(spiky())
    table = report.tables["anomalies"]
    assert list(table.columns) == [
        "week",
        "category",
        "this week",
        "usual level",
        "times usual",
        "how unusual",
    ]
    assert table.iloc[0][["this week", "usual level", "how unusual"]].tolist() == [9, 1.0, 8.0]
    section = report.html[report.html.index("<h3>Unusual weeks</h3>") :]
    head = section[: section.index("</thead>")]
    assert "usual level" in head and "how unusual" in head and "this week" in head
    assert ">mad<" not in head and ">z<" not in head and ">baseline<" not in head
    assert "<td>9.0×</td>" in section  # 9 against a usual 1
    assert "<td>2026-03-02</td>" in section  # the week's Monday, no time of day
    assert "far above its usual level, the median of the 8 weeks before" in section
    assert readable_anomalies(weekly_anomalies(history())).empty


def test_shares_read_as_percentages() -> None:
    assert [percent(v) for v in (0.2, 0.196813, 0.004, 0.0, 1.0)] == [
        "20%",
        "20%",
        "0.4%",
        "0%",
        "100%",
    ]
    report = build_report(history())
    section = report.html[report.html.index("<h3>Top services</h3>") :]
    section = section[: section.index("</table>")]
    # Exchange Online: 3 of 6 escalations
    assert "<td>Exchange Online</td>\n      <td>3</td>\n      <td>50%</td>" in section
    assert "0.50" not in section
    assert report.tables["top_services"]["share"].iloc[0] == 0.5  # the export keeps numbers


def test_no_export_is_promised_when_tables_are_cut() -> None:
    frame = history(weekly_rows("bug", [60]))
    frame["tenant_id"] = [f"t{n // 2}" for n in range(len(frame))]  # 30 tenants, 2 each
    html = build_report(frame).html
    notes = re.findall(r"<p class='meta'>([^<]*rows[^<]*)</p>", html)
    assert notes == ["The first 25 of 30 rows."]
    assert "export" not in html[html.index("<h2>Tables</h2>") :].lower()


def named_history() -> pd.DataFrame:
    frame = history()
    frame["tenant_id"] = frame["tenant_id"].map(
        {"t1": TENANT_A, "t2": TENANT_B.upper(), "t3": "t3"}
    )
    return frame


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {"tenant_id": [TENANT_A, TENANT_B], "name": ["Bluegrass Vets", "<b>Summit</b> CU"]}
    )


def test_repeat_customers_show_customer_names() -> None:
    report = build_report(named_history(), customers=customers())
    table = report.tables["repeat_customers"]
    assert list(table.columns[:2]) == ["customer", "tenant_id"]
    names = dict(zip(table["tenant_id"].str.lower(), table["customer"], strict=True))
    assert names == {TENANT_A: "Bluegrass Vets", TENANT_B.lower(): "<b>Summit</b> CU"}
    assert "<td>Bluegrass Vets</td>" in report.html
    assert "&lt;b&gt;Summit&lt;/b&gt; CU" in report.html and "<b>Summit</b>" not in report.html
    unnamed = build_report(named_history()).tables["repeat_customers"]
    assert unnamed["customer"].tolist() == ["", ""]  # no customers given: empty, not guessed
    with pytest.raises(InputError, match="tenant_id and name"):
        build_report(named_history(), customers=pd.DataFrame({"tenant": ["x"]}))


def test_report_of_a_ledger_names_its_customers(sqlite_ledger: Ledger) -> None:
    from escalation_kit.intake import validate_customers
    from escalation_kit.ledger.history import import_history

    sqlite_ledger.upsert_customers(validate_customers(customers()).accepted, progress=False)
    import_history(sqlite_ledger, named_history(), source="test", progress=False)
    table = build_report(sqlite_ledger).tables["repeat_customers"]
    assert set(table["customer"]) == {"Bluegrass Vets", "<b>Summit</b> CU"}


def test_report_command_reads_the_customers_file(tmp_path: Path) -> None:
    source = write_history(named_history(), tmp_path / "h.csv")
    people = tmp_path / "customers.csv"
    customers().to_csv(people, index=False)
    out = tmp_path / "report.html"
    args = ["report", "--history", str(source), "--customers", str(people), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "<td>Bluegrass Vets</td>" in out.read_text(encoding="utf-8")
    result = runner.invoke(app, [*args[:4], str(tmp_path / "none.csv"), *args[5:]])
    assert result.exit_code == 1 and result.output.startswith("error: ")
