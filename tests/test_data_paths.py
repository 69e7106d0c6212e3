"""Finding, confining and reading data files (``mkdocs_heatmap.data.paths``)."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import (
    check_error,
    load_error,
    make_roots,
    put,
)
from mkdocs_heatmap.data import (
    Source,
    load_matrix,
    parse_source,
    read_source,
    resolve_data_path,
)
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.model import DataRoots, Limits
from mkdocs_heatmap.spec import HeatmapSpec

NAN = math.nan


# --------------------------------------------------------------------------
# Paths.


def test_page_dir_beats_docs_dir_beats_project_root(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "x.csv", "a\n3\n")
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 3
    put(tmp_path, "docs/x.csv", "a\n2\n")
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 2
    put(tmp_path, "docs/guide/x.csv", "a\n1\n")
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 1
    assert resolve_data_path("x.csv", roots) == (tmp_path / "docs/guide/x.csv").resolve()


def test_nested_relative_path_and_dotdot_inside_project(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "results/run1/x.csv", "a\n1\n")
    assert resolve_data_path("results/run1/x.csv", roots).name == "x.csv"
    assert resolve_data_path("../../results/run1/x.csv", roots).name == "x.csv"


def test_leading_slash_means_project_root(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/guide/results/x.csv", "a\n1\n")
    put(tmp_path, "results/x.csv", "a\n9\n")
    spec = HeatmapSpec(data="/results/x.csv")
    assert load_matrix(spec, roots).values[0, 0] == 9


def test_leading_slash_is_not_the_file_system_root(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        resolve_data_path("/etc/passwd", make_roots(tmp_path))
    err = check_error(info.value, "data file '/etc/passwd' not found", "data")
    assert "a leading '/' means the project root" in str(err)


def test_dotdot_escaping_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    roots = make_roots(project)
    put(tmp_path, "secret.csv", "a\n1\n")
    with pytest.raises(DataError) as info:
        resolve_data_path("../../../secret.csv", roots)
    check_error(
        info.value,
        "data file '../../../secret.csv' resolves outside the project; data files must be "
        "inside the project folder or data_dir",
        "data",
    )


def test_symlink_pointing_outside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    roots = make_roots(project)
    outside = put(tmp_path, "outside/secret.csv", "a\n1\n")
    os.symlink(outside, project / "docs" / "link.csv")
    with pytest.raises(DataError) as info:
        load_matrix(HeatmapSpec(data="link.csv"), roots)
    check_error(info.value, "resolves outside the project", "data")
    os.symlink(tmp_path / "outside", project / "shared")
    with pytest.raises(DataError) as info:
        resolve_data_path("/shared/secret.csv", roots)
    check_error(info.value, "resolves outside the project", "data")


def test_symlink_inside_project_is_fine(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    target = put(tmp_path, "data/real.csv", "a\n1\n")
    os.symlink(target, tmp_path / "docs" / "link.csv")
    assert resolve_data_path("link.csv", roots) == target.resolve()


def test_data_dirs_allow_an_outside_folder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shared = tmp_path / "shared"
    put(tmp_path, "shared/x.csv", "a\n5\n")
    roots = make_roots(project)
    with pytest.raises(DataError):
        resolve_data_path("../../../shared/x.csv", roots)
    roots = DataRoots(roots.docs_dir, roots.project_root, roots.page_dir, data_dirs=(shared,))
    assert resolve_data_path("../../../shared/x.csv", roots) == (shared / "x.csv").resolve()
    # data_dirs are searched last, so a bare name works too.
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 5


def test_not_found_names_the_folders_searched(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    with pytest.raises(DataError) as info:
        resolve_data_path("results/missing.csv", roots)
    check_error(
        info.value,
        "data file 'results/missing.csv' not found; looked in docs/guide/, docs/ and the "
        "project root",
        "data",
    )


def test_not_found_suggests_a_close_name(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/results/probe_auc.csv", "a\n1\n")
    with pytest.raises(DataError) as info:
        resolve_data_path("results/probe_acu.csv", roots)
    check_error(info.value, "(did you mean 'results/probe_auc.csv'?)", "data")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    (tmp_path / "docs" / "results").mkdir()
    with pytest.raises(DataError) as info:
        resolve_data_path("results", roots)
    check_error(info.value, "is a folder, not a file", "data")


def test_dangling_symlink_is_a_broken_symlink(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    os.symlink(tmp_path / "nowhere.csv", tmp_path / "docs" / "gone.csv")
    with pytest.raises(DataError) as info:
        resolve_data_path("gone.csv", roots)
    check_error(
        info.value,
        "data file 'gone.csv' is a broken symlink: docs/gone.csv -> nowhere.csv, which does "
        "not exist",
        "data",
    )


def test_a_symlink_loop_says_so(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    docs = tmp_path / "docs"
    os.symlink("b.csv", docs / "a.csv")
    os.symlink("a.csv", docs / "b.csv")
    put(tmp_path, "docs/c.csv", "a\n1\n")  # close to a.csv: not a suggestion now
    with pytest.raises(DataError) as info:
        resolve_data_path("a.csv", roots)
    err = check_error(info.value, "is a symlink loop", "data")
    assert str(err) == (
        "data file 'a.csv' is a symlink loop (docs/a.csv -> docs/b.csv -> docs/a.csv); "
        "point the link at a file"
    )
    os.symlink("self.csv", docs / "self.csv")
    with pytest.raises(DataError, match=r"loop \(docs/self.csv -> docs/self.csv\)"):
        resolve_data_path("self.csv", roots)


def test_a_symlink_loop_through_a_folder_says_so(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    os.symlink("loop", tmp_path / "docs" / "loop")
    with pytest.raises(DataError) as info:
        resolve_data_path("loop/x.csv", roots)
    assert str(check_error(info.value, "is a symlink loop", "data")) == (
        "data file 'loop/x.csv' is a symlink loop"
    )


def test_a_symlink_loop_outside_the_project_is_not_described(tmp_path: Path) -> None:
    project = tmp_path / "project"
    roots = make_roots(project)
    os.symlink(tmp_path / "out.csv", project / "docs" / "a.csv")
    os.symlink(project / "docs" / "a.csv", tmp_path / "out.csv")
    with pytest.raises(DataError) as info:
        resolve_data_path("a.csv", roots)
    assert "out.csv" not in str(info.value)


def test_a_broken_link_gives_way_to_a_later_folder(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    os.symlink("b.csv", tmp_path / "docs" / "guide" / "a.csv")
    os.symlink("a.csv", tmp_path / "docs" / "guide" / "b.csv")
    put(tmp_path, "docs/a.csv", "a\n1\n")
    assert resolve_data_path("a.csv", roots) == (tmp_path / "docs" / "a.csv").resolve()


@pytest.mark.parametrize("ref", ["C:\\data\\x.csv", "c:/data/x.csv", "\\\\server\\share\\x.csv"])
def test_windows_paths_are_errors(tmp_path: Path, ref: str) -> None:
    with pytest.raises(DataError) as info:
        resolve_data_path(ref, make_roots(tmp_path))
    check_error(info.value, "is a Windows absolute path", "data")


def test_odd_refs(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    for ref, fragment in [
        ("", "'data' is empty"),
        ("a\x00b.csv", "NUL"),
        ("x" * 5000 + ".csv", "not found"),
        ("/", "is a folder"),
    ]:
        with pytest.raises(DataError) as info:
            resolve_data_path(ref, roots)
        check_error(info.value, fragment, "data")


def test_unknown_extension(tmp_path: Path) -> None:
    err = load_error(tmp_path, "a.xlsx", b"PK", "extension '.xlsx'")
    assert "data_format" in str(err)
    assert ".csv" in str(err)
    load_error(tmp_path, "noext", "a\n1\n", "no extension")


def test_read_source_returns_bytes_path_and_format(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/a.yml", "[[1]]")
    source = read_source(HeatmapSpec(data="a.yml"), roots)
    found = tmp_path / "docs/a.yml"
    passed = (tmp_path / "docs/guide/a.yml",)  # the page's folder comes first
    assert source == Source(found.resolve(), b"[[1]]", "yaml", found, passed)


@pytest.mark.parametrize(
    ("ref", "hidden"),
    [
        ("/.git/config", ".git"),
        ("/.env", ".env"),
        (".hidden/m.csv", ".hidden"),
        ("/docs/.secret.csv", ".secret.csv"),
    ],
)
def test_hidden_files_and_folders_are_never_data(tmp_path: Path, ref: str, hidden: str) -> None:
    """`.git/config`, `.env` and friends hold credentials: never read, whatever
    data_format, pivot and table would make of them."""
    roots = make_roots(tmp_path)
    for rel in (".git/config", ".env", "docs/guide/.hidden/m.csv", "docs/.secret.csv"):
        put(tmp_path, rel, "a,b\n1,2\n")
    with pytest.raises(DataError) as info:
        read_source(HeatmapSpec(data=ref, data_format="csv"), roots)
    check_error(info.value, f"in the hidden file or folder {hidden!r}", "data")


def test_a_hidden_folder_named_in_data_dir_may_be_read(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, ".data/m.csv", "a\n1\n")
    with pytest.raises(DataError):
        read_source(HeatmapSpec(data="/.data/m.csv"), roots)
    allowed = replace(roots, data_dirs=((tmp_path / ".data").resolve(),))
    assert read_source(HeatmapSpec(data="m.csv"), allowed) is not None


def test_outside_paths_give_one_message_whether_they_exist_or_not(tmp_path: Path) -> None:
    """A path that resolves outside the project is never probed: "not found"
    against "resolves outside" would tell whether a file exists there."""
    project = tmp_path / "project"
    roots = make_roots(project)
    put(tmp_path, "secret.csv", "a\n1\n")
    messages = set()
    for ref in ("../../../secret.csv", "../../../no-such-file.csv"):
        with pytest.raises(DataError) as info:
            read_source(HeatmapSpec(data=ref), roots)
        messages.add(str(info.value).replace("no-such-file", "secret"))
    assert len(messages) == 1
    assert "resolves outside the project" in messages.pop()


def test_suggestions_name_only_files_that_may_be_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    roots = make_roots(project)
    put(tmp_path, "outside/passwd", "x")
    os.symlink(tmp_path / "outside", project / "docs" / "etc")
    put(project, "docs/.passwd", "x")
    for ref in ("etc/passwdd", ".passwdd"):
        with pytest.raises(DataError) as info:
            read_source(HeatmapSpec(data=ref), roots)
        assert "did you mean" not in str(info.value), str(info.value)


def test_unknown_format_in_source() -> None:
    with pytest.raises(DataError) as info:
        parse_source(HeatmapSpec(data="a.csv"), Source(Path("a.csv"), b"", "xls"))
    check_error(info.value, "unknown data format", "data_format")


# --------------------------------------------------------------------------
# The file size limit.


def test_file_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/big.csv", "a\n" + "1\n" * 100)
    spec = HeatmapSpec(data="big.csv")
    with pytest.raises(DataError) as info:
        read_source(spec, roots, Limits(max_file_bytes=100))
    check_error(info.value, "data file 'big.csv' is 202 bytes, over the limit of 100 bytes", "data")
    assert load_matrix(spec, roots, Limits(max_file_bytes=202)).shape == (100, 1)


def test_file_size_message_in_megabytes(tmp_path: Path) -> None:
    put(tmp_path, "docs/big.csv", b"0" * (3 * 1024 * 1024))
    with pytest.raises(DataError) as info:
        read_source(HeatmapSpec(data="big.csv"), make_roots(tmp_path), Limits(max_file_bytes=2048))
    check_error(info.value, "is 3.0 MB, over the limit of 2.0 KB", "data")
