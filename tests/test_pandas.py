"""pandas' exports read right with no configuration.

Every file here is written by pandas itself (``to_csv``, ``to_json``) from
the frames a researcher has: a probe-AUC table (32 layers x 15 tokens), a
confusion matrix, MultiIndex pivots.  The loaded matrix must equal the
frame's values and labels exactly (a MultiIndex label is its levels joined
with " / "), and where the first column could be labels or data, the block
gets one note naming ``index: true|false``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import Site, figures, load, resolve
from mkdocs_heatmap.errors import HeatmapWarning
from mkdocs_heatmap.model import LabelledMatrix
from mkdocs_heatmap.notes import collecting
from mkdocs_heatmap.spec import Pivot

TOKENS = [
    "last_q",
    "first_answer",
    "second_answer",
    "exact_answer_before_first",
    "exact_answer_first",
    "exact_answer_last",
    "exact_answer_after_last",
    *(str(-i) for i in range(8, 0, -1)),
]
MODELS = ["Mistral-7B", "Llama-3-8B", "Gemma-7B"]
DATASETS = ["TriviaQA", "HotpotQA"]
CLASSES = ["World", "Sports", "Business", "Sci/Tech"]


def _long(models: list[str] | None = None, datasets: list[str] | None = None) -> pd.DataFrame:
    """A probe's AUC per (model, dataset,) layer and token, as a tidy table."""
    rng = np.random.default_rng(7)
    rows = []
    for model in models or [None]:
        for dataset in datasets or [None]:
            for layer in range(32):
                for token in TOKENS:
                    auc = round(float(rng.uniform(0.5, 1.0)), 3)
                    rows.append(
                        {"model": model, "dataset": dataset, "layer": layer, "token": token}
                        | {"auc": auc}
                    )
    return pd.DataFrame(rows)


def probe_auc() -> pd.DataFrame:
    """``pivot_table(index="layer", columns="token", values="auc")``."""
    frame = _long().pivot_table(index="layer", columns="token", values="auc")
    return frame[TOKENS]  # the tokens in reading order, not sorted


def confusion(numbered: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    labels = list(range(len(CLASSES))) if numbered else CLASSES
    true = rng.choice(len(labels), 400)
    pred = np.where(rng.random(400) < 0.8, true, rng.choice(len(labels), 400))
    return pd.crosstab(
        pd.Series([labels[i] for i in true], name="true"),
        pd.Series([labels[i] for i in pred], name="predicted"),
    )


def label(value: object) -> str:
    if isinstance(value, tuple):
        return " / ".join(label(v) for v in value)
    return str(value)


def expect(m: LabelledMatrix, frame: pd.DataFrame) -> None:
    """The matrix is the frame: values, column labels, row labels."""
    np.testing.assert_array_equal(m.values, frame.to_numpy(dtype="float64", na_value=np.nan))
    assert list(m.x_labels) == [label(c) for c in frame.columns]
    assert list(m.y_labels) == [label(r) for r in frame.index]


def read(tmp_path: Path, name: str, text: str, **spec: Any) -> tuple[LabelledMatrix, list[str]]:
    """The file loaded as a block would, with the notes the block would get."""
    with collecting() as found:
        m = load(tmp_path, name, text, **spec)
    return m, [n.message for n in found]


def numbered_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------
# to_csv(): the index as pandas writes it.


def _one_layer(models: list[str] | None, datasets: list[str] | None = None) -> pd.DataFrame:
    """One layer of the tidy table: a pivot over models has one value a cell
    (no means, whose last digit JSON's 10 significant ones may not keep)."""
    return _long(models, datasets).query("layer == 5")


def _named_text_index() -> pd.DataFrame:
    frame = _one_layer(MODELS).pivot_table(index="model", columns="token", values="auc")
    return frame[TOKENS]


CSV_NO_NOTE = {
    # set_index / pivot_table on a column of text: a named index.
    "named-text-index": _named_text_index,
    # the same without a name: pandas leaves the corner cell empty.
    "unnamed-text-index": lambda: _named_text_index().rename_axis(index=None),
    # a named columns axis too (pandas writes one header row all the same).
    "named-columns-axis": lambda: _named_text_index().rename_axis(columns="token"),
    # an unnamed integer index (RangeIndex): an empty corner cell.
    "unnamed-integer-index": lambda: probe_auc().rename_axis(index=None, columns=None),
    # groupby().unstack() of a Series: index and columns named.
    "groupby-unstack": lambda: (
        _long(MODELS).query("layer == 5").groupby(["model", "token"])["auc"].mean().unstack()
    ),
    # groupby().unstack() of a DataFrame: a MultiIndex in the columns, and
    # the index's name in a row of its own: nothing is left to guess.
    "groupby-unstack-frame": lambda: _long().groupby(["layer", "token"])[["auc"]].mean().unstack(),
    # MultiIndex rows: text over numbers, and numbers over text.
    "multiindex-rows": lambda: _long(MODELS).pivot_table(
        index=["model", "layer"], columns="token", values="auc"
    ),
    "multiindex-rows-number-first": lambda: _long(MODELS).pivot_table(
        index=["layer", "model"], columns="token", values="auc"
    ),
    "multiindex-rows-unnamed": lambda: (
        _long(MODELS, DATASETS)
        .pivot_table(index=["model", "dataset"], columns="token", values="auc")
        .rename_axis(index=[None, None])
    ),
    # MultiIndex columns, with a named and an unnamed index.
    "multiindex-columns": lambda: _long(None, DATASETS).pivot_table(
        index="layer", columns=["dataset", "token"], values="auc"
    ),
    "multiindex-columns-text-index": lambda: _one_layer(MODELS, DATASETS).pivot_table(
        index="model", columns=["dataset", "token"], values="auc"
    ),
    "multiindex-columns-unnamed": lambda: (
        _one_layer(MODELS, DATASETS)
        .pivot_table(index="model", columns=["dataset", "token"], values="auc")
        .rename_axis(index=None, columns=[None, None])
    ),
    "multiindex-both": lambda: _long(MODELS, DATASETS).pivot_table(
        index=["model", "layer"], columns=["dataset", "token"], values="auc"
    ),
    # pivot_table(values=[…]): the value names are the outer column level.
    "multiindex-values-list": lambda: (
        _one_layer(MODELS)
        .assign(loss=lambda f: (1 - f["auc"]).round(3))
        .pivot_table(index="model", columns="token", values=["auc", "loss"])
    ),
    # crosstab: the same labels on both axes.
    "confusion-text": confusion,
    "confusion-numbered": lambda: confusion(numbered=True),
}


@pytest.mark.parametrize("make", CSV_NO_NOTE.values(), ids=CSV_NO_NOTE.keys())
def test_to_csv_reads_as_the_frame(tmp_path: Path, make: Any) -> None:
    frame = make()
    m, notes = read(tmp_path, "export.csv", frame.to_csv())
    expect(m, frame)
    assert notes == []


@pytest.mark.parametrize("make", CSV_NO_NOTE.values(), ids=CSV_NO_NOTE.keys())
def test_tsv_reads_as_the_frame(tmp_path: Path, make: Any) -> None:
    frame = make()
    m, notes = read(tmp_path, "export.tsv", frame.to_csv(sep="\t"))
    expect(m, frame)
    assert notes == []


def test_pivot_table_export_is_32_by_15_with_a_note(tmp_path: Path) -> None:
    frame = probe_auc()
    text = frame.to_csv()
    assert text.startswith("layer,last_q,first_answer,")  # the index's name in the corner
    m, notes = read(tmp_path, "probe.csv", text)
    expect(m, frame)
    assert m.values.shape == (32, 15)
    assert notes == [
        "probe.csv: first column 'layer' (0, 1, …, 31) read as row labels, as pandas "
        "writes a named index; write 'index: true' or 'index: false' to say which"
    ]


def test_set_index_groupby_and_named_columns_axis_read_the_same(tmp_path: Path) -> None:
    frame = probe_auc().rename_axis(columns="token")
    via_set_index = frame.reset_index().set_index("layer")
    via_groupby = _long().groupby(["layer", "token"])["auc"].mean().unstack()[TOKENS]
    texts = (frame.to_csv(), via_set_index.to_csv(), via_groupby.to_csv())
    for i, text in enumerate(texts):
        m, notes = read(tmp_path, f"p{i}.csv", text)
        expect(m, frame)
        assert len(notes) == 1 and "'layer'" in notes[0]


def test_explicit_index_says_which_and_silences_the_note(tmp_path: Path) -> None:
    frame = probe_auc()
    m, notes = read(tmp_path, "probe.csv", frame.to_csv(), index=True)
    expect(m, frame)
    assert notes == []
    m, notes = read(tmp_path, "probe.csv", frame.to_csv(), index=False)
    expect(m, numbered_rows(frame.reset_index()))  # 'layer' plotted as data
    assert notes == []


def test_reset_index_without_pandas_row_numbers(tmp_path: Path) -> None:
    frame = probe_auc()
    m, notes = read(tmp_path, "probe.csv", frame.reset_index().to_csv(index=False))
    expect(m, frame)
    assert len(notes) == 1 and "first column 'layer' (0, 1, …, 31)" in notes[0]


def test_reset_index_with_pandas_row_numbers(tmp_path: Path) -> None:
    frame = probe_auc()
    text = frame.reset_index().to_csv()
    assert text.startswith(",layer,last_q,")
    m, notes = read(tmp_path, "probe.csv", text)
    expect(m, frame)
    assert notes == [
        "probe.csv: column 'layer' (0, 1, …, 31) read as row labels and pandas' row numbers "
        "before it left out, as to_csv() writes reset_index() output; export with "
        "to_csv(index=False) to say so, or write 'index: true' to plot it as data"
    ]
    # index: true: pandas' row numbers are the labels, 'layer' is data.
    m, notes = read(tmp_path, "probe.csv", text, index=True)
    expect(m, frame.reset_index())
    assert notes == []


@pytest.mark.parametrize(
    "make",
    [
        _named_text_index,
        lambda: _long(MODELS, DATASETS).pivot_table(
            index=["model", "dataset"], columns="token", values="auc"
        ),
    ],
    ids=["text-index", "multiindex"],
)
def test_reset_index_of_text_labels_needs_nothing(tmp_path: Path, make: Any) -> None:
    frame = make()
    for i, text in enumerate(
        (frame.reset_index().to_csv(), frame.reset_index().to_csv(index=False))
    ):
        m, notes = read(tmp_path, f"r{i}.csv", text)
        expect(m, frame)
        assert notes == []


def test_values_without_index_stay_data(tmp_path: Path) -> None:
    """to_csv(index=False) of the seed layout: the first column is a token."""
    frame = probe_auc()
    m, notes = read(tmp_path, "probe.csv", frame.to_csv(index=False))
    expect(m, numbered_rows(frame))
    assert notes == []
    flat = frame.copy()
    flat.columns = pd.MultiIndex.from_product([["auc"], TOKENS])
    m, notes = read(tmp_path, "flat.csv", flat.to_csv(index=False))
    expect(m, numbered_rows(flat))
    assert notes == []


def test_counts_under_a_named_first_column_are_data_with_a_note(tmp_path: Path) -> None:
    counts = pd.DataFrame({"n": [1, 4, 9], "a": [5, 2, 7], "b": [3, 3, 0]})
    m, notes = read(tmp_path, "counts.csv", counts.to_csv(index=False))
    expect(m, counts)
    assert notes == [
        "counts.csv: first column 'n' (1, 4, 9) read as data, though pandas writes a named "
        "index like that; write 'index: true' or 'index: false' to say which"
    ]
    m, notes = read(tmp_path, "counts.csv", counts.to_csv(index=False), index=False)
    expect(m, counts)
    assert notes == []


def test_plain_numeric_frames_with_row_numbers_need_nothing(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t1": [5, 7, 9], "t2": [6, 8, 1]})
    m, notes = read(tmp_path, "plain.csv", frame.to_csv())
    expect(m, frame)
    assert notes == []


# --------------------------------------------------------------------------
# to_json(): every orient pandas has.

JSON_FRAMES = {
    "single": probe_auc,
    "multiindex-rows": lambda: _long(MODELS).pivot_table(
        index=["model", "layer"], columns="token", values="auc"
    ),
    "multiindex-columns": lambda: _one_layer(MODELS, DATASETS).pivot_table(
        index="model", columns=["dataset", "token"], values="auc"
    ),
    "confusion": confusion,
}


@pytest.mark.parametrize("orient", ["split", "columns", "table"])
@pytest.mark.parametrize("make", JSON_FRAMES.values(), ids=JSON_FRAMES.keys())
def test_to_json_with_labels(tmp_path: Path, make: Any, orient: str) -> None:
    frame = make()
    if orient == "table" and isinstance(frame.columns, pd.MultiIndex):
        pytest.skip("pandas writes no orient='table' for MultiIndex columns")
    m, notes = read(tmp_path, "export.json", frame.to_json(orient=orient))
    expect(m, frame)
    assert notes == []


@pytest.mark.parametrize("make", JSON_FRAMES.values(), ids=JSON_FRAMES.keys())
def test_to_json_index_orient_is_the_transpose(tmp_path: Path, make: Any) -> None:
    """{row: {column: value}} cannot be told from the default orient
    ("columns"), which it is read as: ``transpose: true`` turns it."""
    frame = make()
    m, notes = read(tmp_path, "export.json", frame.to_json(orient="index"), transpose=True)
    expect(m, frame)
    assert notes == []


@pytest.mark.parametrize("make", JSON_FRAMES.values(), ids=JSON_FRAMES.keys())
def test_to_json_without_the_index(tmp_path: Path, make: Any) -> None:
    """records and values leave the index out: rows are numbered."""
    frame = make()
    for orient in ("records", "values"):
        m, notes = read(tmp_path, f"{orient}.json", frame.to_json(orient=orient))
        expected = numbered_rows(frame)
        if orient == "values":
            expected.columns = pd.RangeIndex(frame.shape[1])
        expect(m, expected)
        assert notes == []


def test_to_json_records_after_reset_index(tmp_path: Path) -> None:
    frame = _long(MODELS).pivot_table(index=["model", "layer"], columns="token", values="auc")
    m, notes = read(tmp_path, "r.json", frame.reset_index().to_json(orient="records"))
    expect(m, frame)
    assert notes == []
    frame = probe_auc()
    m, notes = read(tmp_path, "p.json", frame.reset_index().to_json(orient="records"))
    expect(m, frame)
    assert notes == [
        "p.json: first column 'layer' (0, 1, …, 31) read as row labels, as pandas "
        "writes a named index; write 'index: true' or 'index: false' to say which"
    ]
    m, notes = read(tmp_path, "p.json", frame.reset_index().to_json(orient="records"), index=False)
    expect(m, numbered_rows(frame.reset_index()))
    assert notes == []


def test_to_json_table_with_an_unnamed_index_and_a_long_table(tmp_path: Path) -> None:
    frame = _named_text_index().rename_axis(index=None)
    m, _ = read(tmp_path, "t.json", frame.to_json(orient="table"))
    expect(m, frame)
    tidy = _long()
    m, _ = read(
        tmp_path,
        "long.json",
        tidy.drop(columns=["model", "dataset"]).to_json(orient="table", index=False),
        pivot=Pivot(x="token", y="layer", value="auc"),
    )
    expect(m, probe_auc())


# --------------------------------------------------------------------------
# Through the hosts: a real MkDocs build, and the API.

PAGE = """\
# Probe

```heatmap
data: probe.csv
download: true
{extra}```
"""


def test_mkdocs_build_reads_the_pivot_table_export(site: Site, build: Any) -> None:
    frame = probe_auc()
    site.write("docs/probe.csv", frame.to_csv())
    site.page("index.md", PAGE.format(extra=""))
    result = build(site)
    assert result.ok, result.error
    assert result.heatmap_warnings() == [
        "index.md:4: heatmap: probe.csv: first column 'layer' (0, 1, …, 31) read as row "
        "labels, as pandas writes a named index; write 'index: true' or 'index: false' to "
        "say which"
    ]
    found = figures(site.html())
    assert found.errors == 0  # a note draws the figure, with no error box
    (fig,) = found.figures
    assert "32 rows by 15 columns" in fig["img"]["alt"]
    (link,) = fig["links"]
    rows = list(csv.reader(io.StringIO(resolve(site, "index.html", link["href"]).read_text())))
    assert rows[0] == ["", *TOKENS]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(32)]
    np.testing.assert_array_equal(
        np.array([[float(v) for v in r[1:]] for r in rows[1:]]), frame.to_numpy()
    )
    strict = build(site, strict=True)
    assert not strict.ok


def test_mkdocs_build_with_index_true_is_quiet(site: Site, build: Any) -> None:
    site.write("docs/probe.csv", probe_auc().to_csv())
    site.page("index.md", PAGE.format(extra="index: true\n"))
    result = build(site, strict=True)
    assert result.ok, result.error
    assert result.heatmap_warnings() == []
    (fig,) = figures(site.html()).figures
    assert "32 rows by 15 columns" in fig["img"]["alt"]


def test_api_warns_about_the_ambiguous_first_column(tmp_path: Path) -> None:
    from mkdocs_heatmap.api import render_spec

    (tmp_path / "probe.csv").write_text(probe_auc().to_csv(), encoding="utf-8")
    with pytest.warns(HeatmapWarning, match=r"'index: true' or 'index: false'"):
        svg = render_spec({"data": "probe.csv"}, base_dir=tmp_path)
    assert b"<svg" in svg
    # Said explicitly: no warning (pytest turns any into an error).
    assert b"<svg" in render_spec({"data": "probe.csv", "index": True}, base_dir=tmp_path)
    (tmp_path / "multi.csv").write_text(
        _long(MODELS).pivot_table(index=["model", "layer"], columns="token", values="auc").to_csv(),
        encoding="utf-8",
    )
    assert b"<svg" in render_spec({"data": "multi.csv"}, base_dir=tmp_path)
