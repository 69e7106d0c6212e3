"""Finding heatmap directives in reST and MyST sources without a parser."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from mkdocs_heatmap.blocks import myst_bodies, rest_bodies


def test_rest_directive_with_options_and_nesting() -> None:
    text = textwrap.dedent(
        """\
        Title
        =====

        .. heatmap::
           :name: fig-a
           :align: center

           matrix: [[1, 2]]
           colorbar:
             label: AUC

        Text after.

        .. note::

           .. heatmap::

              matrix: [[3]]
        """
    )
    assert rest_bodies(text) == ["matrix: [[1, 2]]\ncolorbar:\n  label: AUC", "matrix: [[3]]"]


def test_rest_directive_without_content_is_no_block() -> None:
    assert rest_bodies(".. heatmap::\n\nText.\n") == []


def test_myst_fences_of_every_kind() -> None:
    text = textwrap.dedent(
        """\
        ```{heatmap}
        :name: fig-a
        matrix: [[1, 2]]
        ```

        ::::{heatmap}
        matrix: [[3]]
        ::::

        ````{heatmap}
        ```
        inner
        ```
        ````

        ```{heatmap}
        ---
        name: fig-b
        ---
        matrix: [[4]]
        ```

        ```heatmap
        matrix: [[5]]
        ```
        """
    )
    assert myst_bodies(text) == ["matrix: [[1, 2]]", "matrix: [[3]]", "```\ninner\n```"]
    assert myst_bodies(text, plain_fences=True)[-1] == "matrix: [[5]]"


_LINE = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\t"
    ),
    min_size=1,
    max_size=20,
).filter(lambda line: line.strip() == line and not line.startswith(":"))


@given(st.lists(_LINE, min_size=1, max_size=6))
def test_a_rest_body_comes_back_as_written(lines: list[str]) -> None:
    body = "\n".join(lines)
    text = "Intro.\n\n.. heatmap::\n   :name: x\n\n" + textwrap.indent(body, "   ") + "\n\nAfter.\n"
    assert rest_bodies(text) == [body]


@given(
    st.lists(_LINE.filter(lambda line: not line.startswith(("`", "---"))), min_size=1, max_size=6)
)
def test_a_myst_body_comes_back_as_written(lines: list[str]) -> None:
    body = "\n".join(lines)
    assert myst_bodies(f"# T\n\n```{{heatmap}}\n:name: x\n{body}\n```\n") == [body]
