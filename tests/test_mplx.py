"""What ``mplx`` relies on in matplotlib: each test fails when matplotlib changes it.

Every function of ``mplx`` leans on something matplotlib does not promise
(a private function, an attribute, a warning's wording, the ids and the
encoding of its SVG, the date in its PostScript); these tests check that
thing itself on the installed matplotlib, not only our use of it.
"""

from __future__ import annotations

import base64
import copy
import io
import re
import shutil
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from PIL import Image as PILImage

from mkdocs_heatmap import mplx

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _saved(fig: Figure, fmt: str, **options: object) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def _mesh_figure() -> Figure:
    fig = Figure(figsize=(2, 2))
    ax = fig.add_subplot()
    ax.pcolormesh(np.arange(4.0).reshape(2, 2))
    return fig


def _raster_figure() -> Figure:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().imshow(np.random.default_rng(1).random((20, 20)), interpolation="none")
    return fig


# -- style --------------------------------------------------------------------


def test_validate_rc_uses_matplotlibs_validators() -> None:
    assert mplx.validate_rc("lines.linewidth", "2.5") == 2.5
    assert mplx.validate_rc("font.family", "DejaVu Sans") == ["DejaVu Sans"]
    with pytest.raises(ValueError, match="wide"):
        mplx.validate_rc("lines.linewidth", "wide")
    with pytest.raises(ValueError, match="middle"):
        mplx.validate_rc("image.origin", "middle")


def test_svg_id_salt_makes_ids_reproducible_and_unique_per_salt() -> None:
    """matplotlib derives the ids of an SVG's clip paths from ``svg.hashsalt``:
    the same salt gives the same bytes, another salt other ids."""

    def svg(salt: str) -> bytes:
        with mpl.rc_context(mplx.svg_id_salt(salt)):
            return _saved(_mesh_figure(), "svg", metadata={"Date": None})

    ids = re.compile(rb'<clipPath id="([^"]+)"')
    first, again, other = svg("figure-a"), svg("figure-a"), svg("figure-b")
    assert first == again
    assert ids.findall(first) and ids.findall(other)
    assert set(ids.findall(first)).isdisjoint(ids.findall(other))


# -- fonts --------------------------------------------------------------------


def test_text_renderer_measures_text_and_math() -> None:
    renderer = mplx.text_renderer()
    assert isinstance(renderer, RendererAgg)
    prop = FontProperties(family=["DejaVu Sans"], size=10)
    width, height, _descent = renderer.get_text_width_height_descent("label", prop, ismath=False)
    assert width > 0 and height > 0
    wide, _, _ = renderer.get_text_width_height_descent("label label", prop, ismath=False)
    assert wide > width
    math, _, _ = renderer.get_text_width_height_descent("$x^2$", prop, ismath=True)
    assert math > 0


def test_installed_fonts_and_font_file() -> None:
    """matplotlib's font list (``ttflist``) names each font's family and file,
    and ``findfont`` tells a family it lacks from one it has."""
    installed = mplx.installed_fonts()
    dejavu = [path for name, path in installed if name == "DejaVu Sans"]
    assert dejavu
    found = mplx.font_file("DejaVu Sans")
    assert found is not None
    path, face = found
    assert Path(path).is_file() and face == 0
    assert mplx.font_file("No Such Family For Heatmaps") is None


def test_font_manager_is_shared_and_restorable_from_its_state() -> None:
    """What ``reload_system_fonts`` relies on: the backends hold the module's
    font manager object itself; a manager's whole state is its ``__dict__``
    (matplotlib restores one from its cache file that way); its ``findfont``
    cache can be cleared; ``_load_fontmanager`` still reads the fonts."""
    from matplotlib.backends import backend_agg, backend_pdf

    live = font_manager.fontManager
    assert backend_agg._fontManager is live  # type: ignore[attr-defined]
    assert backend_pdf._fontManager is live  # type: ignore[attr-defined]
    clone = font_manager.FontManager.__new__(font_manager.FontManager)
    clone.__dict__.update(copy.deepcopy(live.__dict__))
    prop = FontProperties(family=["DejaVu Sans"])
    assert clone.findfont(prop) == live.findfont(prop)
    live._findfont_cached.cache_clear()  # type: ignore[attr-defined]


def test_load_fontmanager_reads_the_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_manager, "json_dump", lambda *args: None)  # leave the cache file
    fresh = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
    assert isinstance(fresh, font_manager.FontManager)
    assert any(entry.name == "DejaVu Sans" for entry in fresh.ttflist)


def test_reload_system_fonts_reaches_the_backends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A font the new reading finds is drawn with at once: by ``findfont``
    and by the Agg backend, which hold the live manager, not the module's name."""
    from matplotlib.backends import backend_agg

    live = font_manager.fontManager
    saved = copy.deepcopy(live.__dict__)
    dejavu = mplx.font_file("DejaVu Sans")
    assert dejavu is not None
    probe = tmp_path / "HeatmapProbe.ttf"
    shutil.copyfile(dejavu[0], probe)
    fresh = font_manager.FontManager.__new__(font_manager.FontManager)
    fresh.__dict__.update(copy.deepcopy(saved))
    fresh.ttflist.append(
        font_manager.FontEntry(fname=str(probe), name="Heatmap Probe Sans", size="scalable")
    )
    monkeypatch.setattr(font_manager, "_load_fontmanager", lambda **kwargs: fresh)
    try:
        mplx.reload_system_fonts()
        assert font_manager.fontManager is live
        assert mplx.font_file("Heatmap Probe Sans") == (str(probe), 0)
        assert ("Heatmap Probe Sans", str(probe)) in mplx.installed_fonts()
        agg = backend_agg._fontManager  # type: ignore[attr-defined]
        found = agg._find_fonts_by_props(FontProperties(family=["Heatmap Probe Sans"]))
        assert str(found[0]) == str(probe)
    finally:
        live.__dict__.clear()
        live.__dict__.update(saved)
        live._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    assert mplx.font_file("Heatmap Probe Sans") is None


def test_missing_glyph_reads_matplotlibs_warning() -> None:
    """matplotlib warns, naming the character's code and the fonts, when no
    font of a text has a glyph for it."""
    fig = Figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "a\u4e2d", family=["DejaVu Sans"])
    FigureCanvasAgg(fig)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    found = [mplx.missing_glyph(str(w.message)) for w in caught]
    assert (0x4E2D, "DejaVu Sans") in found
    assert mplx.missing_glyph("Some other warning") is None


# -- saved files --------------------------------------------------------------


def test_crisp_cells_finds_the_mesh_group() -> None:
    """matplotlib's SVG names a pcolormesh's group QuadMesh_<n>."""
    svg = _saved(_mesh_figure(), "svg", metadata={"Date": None})
    assert b'<g id="QuadMesh_1">' in svg
    crisp = mplx.crisp_cells(svg)
    assert b'<g shape-rendering="crispEdges" id="QuadMesh_1">' in crisp
    assert b'<g id="QuadMesh_' not in crisp


def test_replace_embedded_pngs_finds_and_replaces_matplotlibs_rasters() -> None:
    """matplotlib embeds a raster as a base64 PNG data URL, in lines."""
    svg = _saved(_raster_figure(), "svg", metadata={"Date": None})
    seen: list[bytes] = []

    def keep(png: bytes) -> bytes:
        seen.append(png)
        return png

    assert mplx.replace_embedded_pngs(svg, keep) == svg  # kept as written
    assert len(seen) == 1 and seen[0].startswith(PNG_SIGNATURE)
    with PILImage.open(io.BytesIO(seen[0])) as image:
        assert image.size[0] > 0
    small = io.BytesIO()
    PILImage.new("RGBA", (2, 2), (255, 0, 0, 255)).save(small, format="png")
    replaced = mplx.replace_embedded_pngs(svg, lambda png: small.getvalue())
    assert replaced != svg
    found = re.search(rb'data:image/png;base64,\n([A-Za-z0-9+/=\n]+)"', replaced)
    assert found is not None and base64.b64decode(found[1]) == small.getvalue()


def test_drop_eps_date_removes_the_only_time_in_an_eps(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib dates an EPS in a %%CreationDate comment whatever the
    metadata says; without it, two files made at other times are the same."""

    def eps(epoch: str) -> bytes:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        return _saved(_mesh_figure(), "eps", metadata={"CreationDate": None})

    early, late = eps("1000000000"), eps("1700000000")
    assert b"%%CreationDate:" in early and early != late
    assert mplx.drop_eps_date(early) == mplx.drop_eps_date(late)
    assert b"CreationDate" not in mplx.drop_eps_date(early)
