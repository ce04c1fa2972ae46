"""The one text fold: the string and the Arrow column versions agree, on tricky text too."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from escalation_kit import services
from escalation_kit.services import fold_text
from escalation_kit.textfold import fold, fold_column

TRICKY = [
    "Straße, STRASSE and ẞ",  # ß is lower case already; capital ẞ lowers to ß
    "İstanbul İZMİR",  # dotted capital I: Python's lower() adds a combining dot
    "Йогурт, ёлка, ЁЖ",  # Cyrillic й/ё decompose into и/е + a breve/diaeresis
    "cafe\u0301 Caído CAÍDO",  # a combining acute after the letter, and a precomposed one
    "a\u0308\u0301 o\u20d7 x\u1dc0",  # marks from the other combining-diacritics blocks
    "Ｏｕｔｌｏｏｋ ＡＢＣ １２３",  # full-width letters and digits
    "メールが届かない ﾊﾟｽﾜｰﾄﾞ 全員",  # Japanese: voicing marks stay, half-width is normalised
    "ΟΔΟΣ Οδός. Άλφα",  # Greek final sigma and tonos
    "㎒ Ⅻ ﬁle",  # compatibility characters that decompose into upper-case letters
    "Ǆ ǅ ǆ",  # title-case digraphs
    "plain ascii TEXT",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_string_and_column_fold_agree(text: str) -> None:
    column = fold_column(pa.array([text], pa.string())).to_pylist()
    assert column == [fold(text)]


def test_column_fold_keeps_nulls_types_and_chunks() -> None:
    chunked = pa.chunked_array(
        [pa.array(TRICKY[:5], pa.large_string()), pa.array([None, *TRICKY[5:]], pa.large_string())]
    )
    folded = fold_column(chunked)
    assert folded.type == pa.large_string()
    assert folded.to_pylist() == [None if t is None else fold(t) for t in chunked.to_pylist()]


def test_what_the_fold_does() -> None:
    assert fold("Straße ẞ") == "straße ß"
    assert fold("İstanbul") == "istanbul"
    assert fold("Йогурт ёлка") == "иогурт елка"
    assert fold("cafe\u0301 Caído") == "cafe caido"
    assert fold("Ｏｕｔｌｏｏｋ") == "outlook"
    assert fold("ΟΔΟΣ Οδός") == "οδοσ οδοσ"
    # Voicing marks change a Japanese word: they stay, composed with their letter.
    assert fold("ガ ﾊﾟｽﾜｰﾄﾞ") == "ガ パスワード"
    assert fold("㎒") == "mhz"


def test_services_string_and_column_folds_agree() -> None:
    # The alias matcher folds, then makes every run of punctuation or spaces one space.
    column = services._fold_series(pd.Series(TRICKY, dtype="string"))
    assert column.to_pylist() == [fold_text(text) for text in TRICKY]
    assert fold_text("ΟΔΟΣ, Οδός!") == "οδοσ οδοσ"
    assert fold_text("Ｅ－Ｍａｉｌ ｜ メールが") == "e mail メールが"
