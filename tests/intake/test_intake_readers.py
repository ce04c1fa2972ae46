"""File formats: encodings, delimiters, JSON lines, Excel, and files that are not tickets at all."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from intake_helpers import HEADER, T1, check_invariant, reasons, row, write
from openpyxl import Workbook

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.intake import read_customers, read_tickets
from escalation_kit.intake.readers import decode_text, read_raw_table, sniff_delimiter

RUSSIAN = "Не работает почта у всех сотрудников отдела"
FRENCH = "Problème de messagerie : boîte aux lettres pleine, déjà signalé"
GERMAN = "Größere Anhänge werden nicht zugestellt, Übermittlung schlägt fehl"


def csv_text(title: str, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerow(["007", T1, "Contoso", "DE", "", title, "", "2026-11-02T10:00:00Z", "3"])
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("encoding", "title"),
    [
        ("utf-8", RUSSIAN),
        ("utf-8-sig", RUSSIAN),
        ("utf-16", RUSSIAN),  # Python writes a BOM (little-endian here)
        ("utf-16-be", RUSSIAN),
        ("cp1252", FRENCH),
        ("cp1252", GERMAN),
        ("cp1251", RUSSIAN),
        ("latin-1", FRENCH),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, title: str) -> None:
    text = csv_text(title)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    path = tmp_path / "tickets.csv"
    path.write_bytes(data)
    result = read_tickets(path)
    assert result.rejected.empty, reasons(result)
    assert result.accepted["title"].tolist() == [title]
    assert result.accepted["ticket_id"].tolist() == ["007"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = write(tmp_path / "tickets.csv", csv_text("Teams, chat; and more", delimiter))
    result = read_tickets(path)
    assert result.read == 1
    assert result.rejected.empty, reasons(result)
    assert result.accepted["users_affected"].tolist() == [3]


def test_sniffer_prefers_the_delimiter_that_splits_the_header() -> None:
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter("a,b;c,d") == ","
    assert sniff_delimiter("single") == ","


def test_text_is_never_type_guessed(tmp_path: Path) -> None:
    text = HEADER + f"\n007,{T1},0012,de,,1e5,NaN,2026-11-02T10:00:00Z,\n"
    result = read_tickets(write(tmp_path / "t.csv", text))
    got = result.accepted.iloc[0]
    assert (got["ticket_id"], got["customer_name"], got["title"], got["description"]) == (
        "007",
        "0012",
        "1e5",
        "NaN",
    )
    assert pd.isna(got["users_affected"])


def test_header_names_are_trimmed_and_case_insensitive(tmp_path: Path) -> None:
    text = (
        " Ticket ID ; TENANT_ID;Title ;Reported_At; Extra Column \n"
        f"T1;{T1};Outlook down;2026-11-02T10:00:00+01:00;kept\n"
    )
    result = read_tickets(write(tmp_path / "t.csv", text))
    assert result.accepted["ticket_id"].tolist() == ["T1"]
    assert str(result.accepted["reported_at"][0]) == "2026-11-02 09:00:00+00:00"
    raw = read_raw_table(tmp_path / "t.csv")
    assert list(raw.columns) == [
        "ticket_id",
        "tenant_id",
        "title",
        "reported_at",
        "extra_column",
        "source_row",
    ]


def test_duplicate_columns_are_refused(tmp_path: Path) -> None:
    text = f"ticket_id,Title,tenant_id,title ,reported_at\nT1,a,{T1},b,2026-11-02T10:00:00Z\n"
    with pytest.raises(InputError, match=r"column 'title' appears twice \(columns 2 and 4\)"):
        read_tickets(write(tmp_path / "t.csv", text))


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnsError) as info:
        read_tickets(write(tmp_path / "t.csv", "ticket_id,title\nT1,x\n"))
    message = str(info.value)
    assert "missing required column(s): tenant_id, reported_at" in message
    assert "found: ticket_id, title" in message
    assert info.value.file == str(tmp_path / "t.csv")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("t.csv", b"", "file is empty"),
        ("t.csv", b"  \r\n\n ", "file is empty"),
        ("t.jsonl", b"\n\n", "file is empty"),
        ("t.csv", bytes(range(256)) * 40, "looks like a binary file"),
        ("t.csv", b"PK\x03\x04" + b"\x00" * 100, "zip or Excel file"),
        ("t.xlsx", b"this is not a workbook at all", "not a readable Excel workbook"),
        ("t.pdf", b"%PDF-1.4", "unknown file type '.pdf'"),
        ("tickets", b"a,b", "unknown file type '(no extension)'"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        read_tickets(path)
    assert info.value.file == str(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_tickets(tmp_path / "nope.csv")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_customers(folder)


def test_random_bytes_never_traceback(tmp_path: Path) -> None:
    import random

    rng = random.Random(3)
    for i in range(30):
        path = tmp_path / f"r{i}.csv"
        path.write_bytes(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 3000))))
        try:
            result = read_tickets(path)
        except InputError:
            continue
        check_invariant(result)


def test_decode_text_reports_bad_bytes_after_a_bom() -> None:
    with pytest.raises(InputError, match="not valid utf-8-sig text"):
        decode_text(b"\xef\xbb\xbfok\xff\xfe\xfd", "x.csv")


def test_row_numbers_follow_the_file(tmp_path: Path) -> None:
    text = (
        HEADER
        + "\n\n"  # blank line 2 is skipped and not counted
        + f'T1,{T1},,,,"two\nlines",,2026-11-02T10:00:00Z,\n'  # lines 3-4
        + f"T2,{T1},,,,x,,nope,\n"  # line 5
    )
    result = read_tickets(write(tmp_path / "t.csv", text))
    assert result.read == 2
    assert result.accepted["source_row"].tolist() == [3]
    assert result.accepted["title"].tolist() == ["two\nlines"]
    assert reasons(result) == {5: "reported_at 'nope' is not an ISO 8601 date-time"}


def test_extra_fields_reject_the_row_but_short_rows_are_padded(tmp_path: Path) -> None:
    text = (
        HEADER
        + f"\nT1,{T1},,,,a,,2026-11-02T10:00:00Z,1,surprise\n"
        + f"T2,{T1},,,,b,,2026-11-02T10:00:00Z,1,,\n"  # empty trailing fields are harmless
        + f"T3,{T1},,,,c,,2026-11-02T10:00:00Z\n"
    )
    result = read_tickets(write(tmp_path / "t.csv", text))
    assert reasons(result) == {2: "row has 10 fields but the header has 9"}
    assert result.rejected["field"].tolist() == ["row"]
    assert "_parse_error" not in result.rejected.columns
    assert result.accepted["ticket_id"].tolist() == ["T2", "T3"]


def test_a_million_character_description_is_rejected_not_crashed(tmp_path: Path) -> None:
    text = HEADER + f"\nT1,{T1},,,,big,{'x' * 1_000_000},2026-11-02T10:00:00Z,\n"
    text += f"T2,{T1},,,,ok,{'y' * 100_000},2026-11-02T10:00:00Z,\n"
    result = read_tickets(write(tmp_path / "t.csv", text))
    assert reasons(result) == {2: "description is 1,000,000 characters long (limit 100,000)"}
    assert result.accepted["ticket_id"].tolist() == ["T2"]
    assert len(result.rejected["description"][0]) == 1_000_000  # the raw row is kept whole


def test_jsonl(tmp_path: Path) -> None:
    good = row(ticket_id="7") | {"users_affected": 12, "ticket_id": 7}
    lines = [
        json.dumps(good, ensure_ascii=False),
        "",
        "{not json",
        "[1, 2]",
        json.dumps(row(ticket_id="T9", users_affected="2.5")),
        json.dumps(row(ticket_id="T10") | {"users_affected": None, "extra": {"a": [1]}}),
    ]
    path = write(tmp_path / "t.jsonl", "\n".join(lines) + "\n")
    result = read_tickets(path)
    check_invariant(result)
    assert result.read == 5
    assert result.accepted["ticket_id"].tolist() == ["7", "T10"]
    assert result.accepted["users_affected"].tolist()[0] == 12
    assert reasons(result) == {
        3: "line is not valid JSON (Expecting property name enclosed in double quotes)",
        4: "line is not a JSON object",
        5: "users_affected '2.5' is not a whole number",
    }
    assert result.rejected.loc[2, "extra"] != result.rejected.loc[2, "extra"]  # NaN: absent
    assert read_raw_table(path)["extra"].dropna().tolist() == ['{"a": [1]}']


def test_jsonl_lines_end_only_at_line_feeds(tmp_path: Path) -> None:
    title = "first\u2028second\x85third"
    lines = [json.dumps(row(title=title), ensure_ascii=False), json.dumps(row(ticket_id="T2"))]
    path = write(tmp_path / "t.jsonl", "\r\n".join(lines) + "\r\n")
    result = read_tickets(path)
    assert result.accepted["source_row"].tolist() == [1, 2]
    assert result.accepted["title"].tolist()[0] == "first\u2028secondthird"  # NEL is a C1 control


def test_ndjson_extension(tmp_path: Path) -> None:
    result = read_tickets(write(tmp_path / "t.ndjson", json.dumps(row()) + "\n"))
    assert len(result.accepted) == 1


def excel(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    book.save(path)
    return path


def test_excel_round_trip(tmp_path: Path) -> None:
    from datetime import datetime

    header = HEADER.split(",")
    path = excel(
        tmp_path / "t.xlsx",
        [
            header,
            [
                "007",
                T1,
                "Contoso",
                "de",
                "Teams",
                "Тимс не работает",
                None,
                "2026-11-02T10:00:00Z",
                4,
            ],
            [8, T1, None, None, None, "Teams down", None, "2026-11-02T10:00:00+02:00", 4.0],
            [],
            ["T9", T1, None, None, None, "y", None, datetime(2026, 11, 2, 10), True],
        ],
    )
    result = read_tickets(path)
    check_invariant(result)
    assert result.accepted["ticket_id"].tolist() == ["007", "8"]
    assert result.accepted["users_affected"].tolist() == [4, 4]
    assert result.accepted["normalized_service"].tolist() == ["Microsoft Teams", "Microsoft Teams"]
    assert reasons(result) == {
        5: "reported_at '2026-11-02T10:00:00' has no UTC offset; add Z or +hh:mm; "
        "users_affected 'true' is not a whole number"
    }


def test_excel_without_data_rows(tmp_path: Path) -> None:
    result = read_tickets(excel(tmp_path / "t.xlsx", [HEADER.split(",")]))
    assert (result.read, len(result.accepted), len(result.rejected)) == (0, 0, 0)
    with pytest.raises(InputError, match="file is empty"):
        read_tickets(excel(tmp_path / "e.xlsx", []))


def test_damaged_excel(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<broken")
    path = tmp_path / "t.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        read_tickets(path)
