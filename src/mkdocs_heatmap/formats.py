"""What each output format is: one table, read wherever a format's property is needed.

Per format: the file's extension and MIME type, whether a block may ask for
it (``format``) or only print and the command line draw it, the files a
page gets per variant (PNG: a 1x file and a 2x file for ``srcset``), up to
how many cells each cell is a vector, how it is saved and which byte
post-processing steps follow (``render.encode`` runs them by name).

Plain data, no imports: the cache, the memo and the hosts read it on warm
builds that never load matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# Up to this many cells each cell is a vector rectangle (exact in print and
# PDF, cheap for confusion matrices); above it one embedded raster drawn with
# interpolation="none" and pixelated scaling keeps cells crisp at any zoom in
# a fraction of the bytes (a 16x14 map: 32 KB instead of 74 KB; 1000x1000:
# 1.4 MB instead of hundreds) and draws faster.
VECTOR_CELL_LIMIT = 100
# In print (PDF, EPS) cells stay vectors much longer: a viewer smooths an
# embedded raster when it scales it, which blurs the cells of a small map.
PRINT_VECTOR_CELL_LIMIT = 40_000
CSS_PX_PER_INCH = 96
PRINT_DPI = 300  # embedded rasters (large matrices) in a print file
CSV_MIME = "text/csv"  # the data download published beside the images


@dataclass(frozen=True)
class OutputFormat:
    name: str
    extension: str  # of the published file, without the dot
    mime: str
    on_page: bool  # a block's `format` may name it (a browser shows it)
    scales: tuple[int, ...]  # files a page gets per variant, by resolution
    vector_cells: int  # up to this many cells, each cell is a vector
    # Made for paper: cells sealed against seams, fonts embedded for print.
    print: bool
    # Resolution saved at: "block" (the block's dpi, CSS pixels by default,
    # times the scale), "style" (savefig.dpi: what SVG's rasters get, such as
    # a colorbar's gradient) or dots per inch (print's embedded rasters).
    dpi: float | Literal["block", "style"]
    # savefig metadata set to None: matplotlib would write the time or its
    # version into the file, and the same block must give the same bytes.
    metadata: Mapping[str, None] = field(default_factory=dict)
    compact: tuple[str, ...] = ()  # byte steps after saving, in order
    # PostScript's Type 42 holds TrueType outlines only: a font with CFF
    # outlines (Noto Sans CJK, Latin Modern's OpenType files) goes in as Type 3.
    cff_as_type3: bool = False


FORMATS: Mapping[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat(
            "svg",
            "svg",
            "image/svg+xml",
            on_page=True,
            scales=(1,),
            vector_cells=VECTOR_CELL_LIMIT,
            print=False,
            dpi="style",
            metadata={"Date": None},
            compact=("crisp_cells", "compact_embedded_rasters"),
        ),
        OutputFormat(
            "png",
            "png",
            "image/png",
            on_page=True,
            scales=(1, 2),
            vector_cells=VECTOR_CELL_LIMIT,
            print=False,
            dpi="block",
            metadata={"Software": None},
            compact=("compact_png",),
        ),
        OutputFormat(
            "pdf",
            "pdf",
            "application/pdf",
            on_page=False,
            scales=(1,),
            vector_cells=PRINT_VECTOR_CELL_LIMIT,
            print=True,
            dpi=PRINT_DPI,
            metadata={"CreationDate": None},
        ),
        OutputFormat(
            "eps",
            "eps",
            "application/postscript",
            on_page=False,
            scales=(1,),
            vector_cells=PRINT_VECTOR_CELL_LIMIT,
            print=True,
            dpi=PRINT_DPI,
            metadata={"CreationDate": None},
            # matplotlib's PostScript writer ignores that metadata.
            compact=("drop_eps_date",),
            cff_as_type3=True,
        ),
    )
}
"""Every format a figure can be drawn in, in the order the product lists them."""


def output_format(name: str) -> OutputFormat:
    """The format called ``name`` (``KeyError`` for any other)."""
    return FORMATS[name]


def mime_type(extension: str) -> str | None:
    """The MIME type of a published file by its extension (an image, or the
    CSV download), ``None`` for any other."""
    if extension == "csv":
        return CSV_MIME
    return next((f.mime for f in FORMATS.values() if f.extension == extension), None)


def data_uri(name: str, content: bytes) -> str:
    """A published file as a ``data:`` URI, its type from its name's
    extension: how the hosts without a file collection embed a figure."""
    import base64

    mime = mime_type(name.rsplit(".", 1)[-1]) or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
