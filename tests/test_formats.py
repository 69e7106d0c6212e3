"""One table of output formats, and images that say their variant and scale.

The table (``formats.FORMATS``) is read wherever a format's property is
needed; each ``Image`` names its variant and scale, so a figure's files are
found by what they are, not where they sit in a list; the cache stores both,
and an entry of the layout before is a miss, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import random
from pathlib import Path

import pytest

from conftest import site_settings
from mkdocs_heatmap.api import draw, prepare
from mkdocs_heatmap.api import site_settings as api_settings
from mkdocs_heatmap.cache import DiskCache, decode_entry, encode_entry
from mkdocs_heatmap.formats import FORMATS, mime_type, output_format
from mkdocs_heatmap.memo import Memo
from mkdocs_heatmap.model import IMAGE_FORMATS, OUTPUT_FORMATS, Image
from mkdocs_heatmap.pipeline import finish_block, prepare_block, process_block
from mkdocs_heatmap.render.encode import STEPS

AUTO_PNG = "matrix: [[1, 2], [3, 4]]\nformat: png\ntheme: auto"
KEY = "ab" + "0" * 62


# -- the table -----------------------------------------------------------------


def test_the_table_is_the_product_s_list_of_formats() -> None:
    assert OUTPUT_FORMATS == ("svg", "png", "pdf", "eps")
    assert IMAGE_FORMATS == ("svg", "png")  # what a block's `format` may say
    assert output_format("png").scales == (1, 2)  # a 2x file for srcset
    assert all(f.scales == (1,) for name, f in FORMATS.items() if name != "png")
    assert [name for name, f in FORMATS.items() if f.print] == ["pdf", "eps"]
    assert output_format("pdf").vector_cells > output_format("svg").vector_cells
    with pytest.raises(KeyError):
        output_format("tiff")


def test_every_compaction_step_the_table_names_exists() -> None:
    assert {step for f in FORMATS.values() for step in f.compact} <= set(STEPS)


@pytest.mark.parametrize("name", list(FORMATS))
def test_mime_types_are_the_registered_ones(name: str) -> None:
    fmt = FORMATS[name]
    assert mimetypes.guess_type(f"figure.{fmt.extension}")[0] == fmt.mime
    assert mime_type(fmt.extension) == fmt.mime
    assert mime_type("csv") == "text/csv"
    assert mime_type("exe") is None


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_saves_the_same_bytes_at_any_time(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The metadata the table leaves out and its byte steps remove every
    date (and version) a file would carry."""
    prepared = prepare("matrix: [[1, 2], [3, 4]]\ntitle: T", api_settings(base_dir=tmp_path))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    early = draw(prepared, format=name)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    late = draw(prepared, format=name)
    assert early.content == late.content
    assert (early.format, early.variant, early.scale) == (name, "light", 1)


# -- images say what they are -------------------------------------------------------


def test_images_name_their_variant_and_scale(tmp_path: Path) -> None:
    images = prepare_block(AUTO_PNG, site_settings(tmp_path)).job.run()
    assert [(i.variant, i.scale) for i in images] == [
        ("light", 1),
        ("light", 2),
        ("dark", 1),
        ("dark", 2),
    ]
    assert images[0].width == images[1].width  # the same CSS size at any scale


def test_finish_block_picks_images_by_variant_and_scale(tmp_path: Path) -> None:
    settings = site_settings(tmp_path)
    prepared = prepare_block(AUTO_PNG, settings)
    images = prepared.job.run()
    shuffled = images[:]
    random.Random(4).shuffle(shuffled)
    assert shuffled != images
    ordered = finish_block(prepared, images, settings)
    assert finish_block(prepared, shuffled, settings) == ordered
    light, dark = ordered.doc.pictures
    by_path = {o.path: o.content for o in ordered.outputs}
    assert by_path[light.path] == images[0].content
    assert by_path[light.path_2x or ""] == images[1].content
    assert by_path[dark.path] == images[2].content
    assert by_path[dark.path_2x or ""] == images[3].content


def test_memo_indexes_point_at_the_images_they_name(tmp_path: Path) -> None:
    settings = site_settings(tmp_path)
    prepared = prepare_block(AUTO_PNG, settings)
    images = prepared.job.run()
    finished = finish_block(prepared, images, settings)
    memo = Memo.of(prepared, images, finished)
    assert sorted(n for _, n in memo.images) == [0, 1, 2, 3]
    assert memo.outputs(images) == list(finished.outputs)


# -- the cache ---------------------------------------------------------------------


def test_entries_keep_variant_and_scale() -> None:
    images = [
        Image(b"\x89PNG 1", "png", 5, 6, (), "dark", 1),
        Image(b"\x89PNG 2", "png", 5, 6, (), "dark", 2),
    ]
    assert decode_entry(encode_entry(images, KEY), KEY) == images


def _old_entry(images: list[Image], key: str) -> bytes:
    """An entry as the cache wrote it before images named their variant and scale."""
    header = {
        "v": 3,
        "key": key,
        "images": [
            {
                "format": i.format,
                "width": i.width,
                "height": i.height,
                "size": len(i.content),
                "sha256": hashlib.sha256(i.content).hexdigest(),
                "maps": [list(box) for box in i.maps],
            }
            for i in images
        ],
    }
    head = json.dumps(header, sort_keys=True).encode("utf-8") + b"\n"
    return head + b"".join(i.content for i in images)


def test_an_entry_of_the_layout_before_is_a_miss(tmp_path: Path) -> None:
    images = [Image(b"<svg/>", "svg", 10, 20)]
    old = _old_entry(images, KEY)
    assert decode_entry(old, KEY) is None
    # The same header under the current version, without variant and scale.
    assert decode_entry(old.replace(b'"v": 3', b'"v": 4', 1), KEY) is None
    cache = DiskCache(tmp_path)
    cache.path(KEY).parent.mkdir(parents=True)
    cache.path(KEY).write_bytes(old)
    assert cache.get(KEY) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("variant", "sepia"), ("scale", 2), ("scale", True), ("scale", 1.0), ("scale", "1")],
)
def test_an_entry_with_an_impossible_variant_or_scale_is_a_miss(field: str, value: object) -> None:
    raw = encode_entry([Image(b"<svg/>", "svg", 10, 20)], KEY)
    head, _, body = raw.partition(b"\n")
    header = json.loads(head)
    header["images"][0][field] = value  # SVG has no 2x file
    changed = json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + body
    assert decode_entry(changed, KEY) is None


def test_a_build_over_an_old_entry_draws_again_and_replaces_it(tmp_path: Path) -> None:
    settings = site_settings(tmp_path)
    cache = DiskCache(tmp_path / "cache")
    prepared = prepare_block(AUTO_PNG, settings)
    stale = [Image(b"\x89PNG stale", "png", 5, 6)]
    cache.path(prepared.key).parent.mkdir(parents=True)
    cache.path(prepared.key).write_bytes(_old_entry(stale, prepared.key))
    result = process_block(AUTO_PNG, settings, lambda path: path, cache=cache)
    assert b"stale" not in b"".join(o.content for o in result.outputs)
    fresh = cache.get(prepared.key)
    assert fresh is not None
    drawn = [(i.variant, i.scale) for i in fresh]
    assert drawn == [("light", 1), ("light", 2), ("dark", 1), ("dark", 2)]
    again = process_block(AUTO_PNG, settings, lambda path: path, cache=cache)
    assert again == result
