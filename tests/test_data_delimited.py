"""CSV and TSV files (``mkdocs_heatmap.data.delimited``)."""

from __future__ import annotations

import codecs
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    load,
    load_error,
    same,
)
from mkdocs_heatmap.notes import collecting

NAN = math.nan


# --------------------------------------------------------------------------
# CSV / TSV layouts.


def test_csv_with_row_labels_under_empty_corner(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",x,y\nr1,1,2\nr2,3,4\n")
    assert m.x_labels == ("x", "y")
    assert m.y_labels == ("r1", "r2")
    same(m.values, [[1, 2], [3, 4]])
    assert m.values.dtype == np.float64


def test_seed_layout_header_of_tokens_without_index(tmp_path: Path) -> None:
    text = "last_q,first_answer,-8,-1\n0.51,0.62,0.7,0.93\n0.55,0.68,0.75,0.97\n0.6,0.7,0.8,0.99\n"
    m = load(tmp_path, "probe.csv", text)
    assert m.x_labels == ("last_q", "first_answer", "-8", "-1")
    assert m.y_labels == ("0", "1", "2")
    assert m.values[2, 3] == 0.99


def test_named_first_column_of_text_is_the_index(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "layer,a,b\nL0,1,2\nL1,3,4\n")
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("L0", "L1")


def test_numeric_first_column_is_data_under_auto(tmp_path: Path) -> None:
    # Not whole numbers increasing down the file: a value, silently.
    m = load(tmp_path, "a.csv", "layer,a\n1,1\n0,3\n")
    assert m.x_labels == ("layer", "a")
    assert m.y_labels == ("0", "1")
    m = load(tmp_path, "b.csv", "x,a\n0.5,1\n0.7,3\n")
    assert m.x_labels == ("x", "a")


def test_named_column_of_increasing_whole_numbers_is_labels_said(tmp_path: Path) -> None:
    with collecting() as found:
        m = load(tmp_path, "a.csv", "layer,a,b\n0,0.5,0.25\n4,0.75,1\n8,1,1\n")
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("0", "4", "8")
    (n,) = found
    assert n.key == "data" and n.level == "warning"
    assert n.message.startswith("a.csv: first column 'layer' (0, 4, 8) read as row labels")
    with collecting() as found:
        m = load(tmp_path, "a.csv", "layer,a,b\n0,0.5,0.25\n4,0.75,1\n8,1,1\n", index=True)
    assert m.y_labels == ("0", "4", "8") and not found
    # The same labels on both axes (pandas' crosstab of numbered classes).
    with collecting() as found:
        m = load(tmp_path, "c.csv", "true,0,1\n0,5,1\n1,2,7\n")
    assert m.y_labels == ("0", "1") and not found


def test_a_row_of_missing_values_is_not_a_header(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "layer,a,b\nL0,1,2\nL1,,\nL2,3,4\n")
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("L0", "L1", "L2")
    same(m.values, [[1, 2], [NAN, NAN], [3, 4]])


def test_repeated_column_labels_over_data_are_one_header(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",a,a\nx,1,2\ny,3,4\nz,5,6\n")
    assert m.x_labels == ("a", "a")
    assert m.y_labels == ("x", "y", "z")


def test_pandas_multiindex_columns_written_by_hand(tmp_path: Path) -> None:
    text = "dataset,,A,A,B\ntoken,,x,y,x\nmodel,layer,,,\nm,0,1,2,3\nm,1,4,5,6\n"
    m = load(tmp_path, "a.csv", text)
    assert m.x_labels == ("A / x", "A / y", "B / x")
    assert m.y_labels == ("m / 0", "m / 1")
    same(m.values, [[1, 2, 3], [4, 5, 6]])
    load_error(tmp_path, "b.csv", text.split("m,0")[0], "header rows but no data rows")


def test_multiindex_rows_need_two_value_columns(tmp_path: Path) -> None:
    """One value column after text columns is a long table: 'pivot' reads it."""
    load_error(tmp_path, "a.csv", "model,token,auc\nm,a,0.5\n", "'a' is not a number")


def test_first_column_with_missing_values_only_is_data(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,b\n,1\nnan,2\n")
    assert m.x_labels == ("a", "b")
    same(m.values, [[NAN, 1], [NAN, 2]])


def test_index_true_forces_numeric_labels(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "layer,a,b\n0,1,2\n12,3,4\n", index=True)
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("0", "12")


def test_index_false_keeps_an_unnamed_first_column(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",a\n1,2\n3,4\n", index=False)
    assert m.x_labels == ("", "a")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2], [3, 4]])


def test_index_false_with_text_column_is_an_error(tmp_path: Path) -> None:
    load_error(
        tmp_path, "a.csv", "k,a\nr,2\n", "row '0', column 'k': 'r' is not a number", index=False
    )


def test_no_header_numeric(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "1,2,3\n4,5,6\n", header=False)
    assert m.x_labels == ("0", "1", "2")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2, 3], [4, 5, 6]])


def test_no_header_with_text_index(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,1,2\nb,3,4\n", header=False)
    assert m.x_labels == ("0", "1")
    assert m.y_labels == ("a", "b")


def test_no_header_index_true(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "5,1,2\n6,3,4\n", header=False, index=True)
    assert m.y_labels == ("5", "6")
    assert m.x_labels == ("0", "1")


def test_r_style_header_without_corner_cell(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "x,y\nr1,1,2\nr2,3,4\n")
    assert m.x_labels == ("x", "y")
    assert m.y_labels == ("r1", "r2")


def test_bom_crlf_quotes_and_whitespace(tmp_path: Path) -> None:
    text = '\ufeff , "a, b" ,c\r\n r1 , 1 , 2.5 \r\n"r 2",3,4\r\n\r\n'
    m = load(tmp_path, "a.csv", text)
    assert m.x_labels == ("a, b", "c")
    assert m.y_labels == ("r1", "r 2")
    same(m.values, [[1, 2.5], [3, 4]])


def test_non_ascii_labels(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",Größe,東京,ü\nÆther,1,2,3\n")
    assert m.x_labels == ("Größe", "東京", "ü")
    assert m.y_labels == ("Æther",)


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "\n\na,b\n\n3,2\n   \n1,4\n\n\n")
    same(m.values, [[3, 2], [1, 4]])


def test_missing_cells(tmp_path: Path) -> None:
    text = "a,b,c,d,e,f,g,h\n,NaN,nan,null,NA,None,NULL,n/a\n1,  ,none,na,2,#N/A,<NA>,-nan\n"
    m = load(tmp_path, "a.csv", text)
    assert m.x_labels == tuple("abcdefgh")
    expected = np.full((2, 8), np.nan)
    expected[1, 0] = 1
    expected[1, 4] = 2
    np.testing.assert_array_equal(m.values, expected)


def test_number_syntax(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,b,c,d\n1e-3,-2.5E+2,+7,1_000\n")
    same(m.values, [[0.001, -250, 7, 1000]])


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e400"])
def test_infinities_are_refused_naming_the_cell(tmp_path: Path, cell: str) -> None:
    err = load_error(tmp_path, "a.csv", f",a,b\nr,1,{cell}\n", "row 'r', column 'b' is")
    assert err.key == "data"


def test_all_missing_is_refused(tmp_path: Path) -> None:
    err = load_error(tmp_path, "a.csv", ",a\nx,\ny,nan\n", "every cell of the plotted matrix")
    assert err.key == "data"


def test_tsv_by_extension(tmp_path: Path) -> None:
    m = load(tmp_path, "a.tsv", "\tx y\tz\nr 1\t1\t2\n")
    assert m.x_labels == ("x y", "z")
    assert m.y_labels == ("r 1",)
    m = load(tmp_path, "b.tab", "x\ty\n1\t2\n")
    same(m.values, [[1, 2]])


def test_data_format_overrides_extension(tmp_path: Path) -> None:
    m = load(tmp_path, "a.txt", "x\ty\n1\t2\n", data_format="tsv")
    same(m.values, [[1, 2]])
    m = load(tmp_path, "b.dat", "[[1, 2]]", data_format="json")
    same(m.values, [[1, 2]])


def test_uppercase_extension(tmp_path: Path) -> None:
    m = load(tmp_path, "A.CSV", "x\n1\n")
    same(m.values, [[1]])


# --------------------------------------------------------------------------
# CSV errors.


def test_ragged_row_names_line_and_counts(tmp_path: Path) -> None:
    load_error(
        tmp_path,
        "r.csv",
        "\na,b,c\n1,2,3\n\n4,5\n",
        "r.csv: line 5 has 2 cells but the header (line 2) has 3",
    )


def test_ragged_row_without_header(tmp_path: Path) -> None:
    load_error(tmp_path, "r.csv", "1,2\n3\n", "line 2 has 1 cells but line 1 has 2", header=False)


def test_non_numeric_cell_names_row_and_column(tmp_path: Path) -> None:
    text = ",tok,other\nlayer 2,1,2\nlayer 3,abc,4\n"
    err = load_error(
        tmp_path, "probe.csv", text, "row 'layer 3', column 'tok': 'abc' is not a number"
    )
    assert str(err).startswith("probe.csv: line 3,")


def test_long_bad_text_is_truncated(tmp_path: Path) -> None:
    err = load_error(tmp_path, "a.csv", "a\n" + "x" * 500 + "1\n", "is not a number", index=False)
    assert len(str(err)) < 200
    assert "…" in str(err)


def test_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a;b\n1;2\n", "separated by ';'", index=False)


def test_tsv_read_as_csv_gets_a_hint(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a\tb\n1\t2\n", "data_format: tsv", index=False)


def test_not_utf8(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a,b\nü,1\n".encode("latin-1"), "a.csv is not UTF-8 text")


def test_utf16(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a,b\n1,2\n".encode("utf-16"), "UTF-16")


TABLE = ",a,b\nx,1,2\ny,3,4\n"


@pytest.mark.parametrize(
    ("encoding", "said"),
    [
        ("utf-16", "a.csv is UTF-16 text; save it as UTF-8"),
        ("utf-16-le", "a.csv is UTF-16 text without a byte-order mark; save it as UTF-8"),
        ("utf-16-be", "a.csv is UTF-16 text without a byte-order mark; save it as UTF-8"),
        ("utf-32", "a.csv is UTF-32 text; save it as UTF-8"),  # its mark starts as UTF-16's
        ("utf-32-be", "a.csv is UTF-32 text without a byte-order mark; save it as UTF-8"),
        ("utf-32-le", "a.csv is UTF-32 text without a byte-order mark; save it as UTF-8"),
    ],
)
def test_wide_encodings_are_named(tmp_path: Path, encoding: str, said: str) -> None:
    err = load_error(tmp_path, "a.csv", TABLE.encode(encoding), said)
    assert str(err) == said
    if encoding == "utf-32":  # each mark, not only the one Python writes first
        data = codecs.BOM_UTF32_BE + TABLE.encode("utf-32-be")
        assert str(load_error(tmp_path, "b.csv", data, "UTF-32 text;")) == said.replace("a", "b", 1)


def test_a_bomless_utf16_file_with_some_wider_text_is_still_named(tmp_path: Path) -> None:
    text = ",a,b\nx,1,2\nü,3,4\n" + "".join(f"r{i},{i},{i}\n" for i in range(50))
    load_error(tmp_path, "a.csv", text.encode("utf-16-le"), "UTF-16 text without a byte-order")
    load_error(tmp_path, "a.json", '{"values": [[1, 2]]}'.encode("utf-16-be"), "UTF-16 text")


def test_utf8_text_is_not_taken_for_a_wide_encoding(tmp_path: Path) -> None:
    assert load(tmp_path, "a.csv", ",ü,日本\nx,1,2\n").x_labels == ("ü", "日本")


def test_empty_file(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "", "a.csv is empty")
    load_error(tmp_path, "b.csv", "\n \n\r\n", "b.csv is empty")


def test_header_only(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a,b,c\n", "header row but no data rows")


def test_label_column_only(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "name\nx\ny\n", "no value columns")


def test_key_is_refused_for_csv(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a\n1\n", "'key' picks an array", key="key", data_key="k")


def test_a_number_no_float_holds_is_not_called_infinity(tmp_path: Path) -> None:
    """pandas writes a Python int as digits; 10**400 reads as inf, and the
    message must not claim the file says infinity."""
    import pandas as pd

    text = pd.DataFrame({"a": [1, 10**400]}, index=["x", "y"], dtype=object).to_csv()
    load_error(
        tmp_path,
        "big.csv",
        text,
        "row 'y', column 'a' is inf (infinite, or beyond the ±1.8e308 a float holds)",
    )
