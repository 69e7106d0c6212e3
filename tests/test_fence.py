"""Finding heatmap fences in page source (pure: no Markdown involved)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_heatmap.fence import scan_fences


def test_top_level_and_nested() -> None:
    text = "\n".join(
        [
            "# Title",  # 1
            "```heatmap",  # 2
            "matrix: [[1]]",
            "```",
            "!!! note",  # 5
            "",
            "    ```heatmap",  # 7
            "    data: a.csv",
            "    ```",
            "> ```heatmap",  # 10
            "> matrix: [[2]]",
            "> ```",
        ]
    )
    blocks = scan_fences(text)
    assert [b.line for b in blocks] == [2, 7, 10]
    assert [b.body for b in blocks] == ["matrix: [[1]]", "data: a.csv", "matrix: [[2]]"]
    assert [b.line for b in scan_fences(text, top_level_only=True)] == [2]


def test_examples_inside_other_fences_are_skipped() -> None:
    text = "````markdown\n```heatmap\nmatrix: [[1]]\n```\n````\n~~~\n```heatmap\n```\n~~~\n"
    assert scan_fences(text) == []


def test_longer_closing_fence_and_tilde_fences() -> None:
    text = "~~~~ heatmap\nmatrix: [[1]]\n~~~~~\nafter\n```heatmap\nx: 1\n```"
    blocks = scan_fences(text)
    assert [(b.line, b.body) for b in blocks] == [(1, "matrix: [[1]]"), (5, "x: 1")]
    assert blocks[0].end == 3


def test_unclosed_fence_runs_to_the_end() -> None:
    (block,) = scan_fences("```heatmap\nmatrix: [[1]]\n")
    assert block.body == "matrix: [[1]]\n"


def test_attribute_form_and_other_languages() -> None:
    text = "```{.heatmap #fig}\nmatrix: [[1]]\n```\n```python\nx = 1\n```\n```heatmapx\n```\n"
    assert [b.line for b in scan_fences(text)] == [1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("`~ >\n-heatmpx:1")), max_size=120))
def test_scanner_total(text: str) -> None:
    for block in scan_fences(text):
        assert 0 <= block.start < block.end <= len(text.split("\n")) + 1
