"""HEIC and HEIF files made here with pillow-heif (libheif and its x265 encoder), and ways to spoil them."""

from __future__ import annotations

import contextlib
import io

import pillow_heif
from PIL import Image, ImageDraw

from tests.consistency.evidence_factories import photo

RED = (255, 0, 0)


def marked(size=(640, 480), *, seed: int = 0) -> Image.Image:
    """A picture (``photo``) with a red block in its top-left corner: which way up it is shows."""
    im = Image.open(io.BytesIO(photo(seed=seed, size=size))).convert("RGB")
    ImageDraw.Draw(im).rectangle([0, 0, im.width // 4, im.height // 4], fill=RED)
    return im


def heic(*, seed: int = 0, size=(640, 480), captured: str | None = None, offset: str | None = None,
         orientation: int | None = None, description: str | None = None, xmp: bytes | None = None,
         tile: int = 0, image: Image.Image | None = None) -> bytes:
    """A HEIC as a phone makes one: HEVC-coded (in ``tile`` x ``tile`` tiles and a grid if ``tile``, as an
    iPhone's are), with EXIF (capture time, orientation, a description) and XMP when given, without GPS.
    An orientation is written as pillow-heif writes it, as iPhones do: the transform (``irot``/``imir``) in the
    file, and the EXIF tag kept."""
    im = image or marked(size, seed=seed)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if description:
        exif[0x010E] = description
    if captured:
        ifd = {0x9003: captured}
        if offset:
            ifd[0x9011] = offset
        exif[0x8769] = ifd
    kwargs = {"quality": 80, "exif": exif.tobytes()}
    if xmp:
        kwargs["xmp"] = xmp
    with grid_tiles(tile):
        out = io.BytesIO()
        pillow_heif.from_pillow(im).save(out, **kwargs)
    return out.getvalue()


@contextlib.contextmanager
def grid_tiles(size: int):
    before = pillow_heif.options.GRID_TILE_SIZE
    pillow_heif.options.GRID_TILE_SIZE = size
    try:
        yield
    finally:
        pillow_heif.options.GRID_TILE_SIZE = before


def with_brands(data: bytes, major: bytes, *compatible: bytes) -> bytes:
    """The same file under other ``ftyp`` brands (a generic HEIF, an AVIF...): as many as pillow-heif writes, so
    that no offset moves."""
    size = int.from_bytes(data[:4], "big")
    ftyp = size.to_bytes(4, "big") + b"ftyp" + major + b"\0\0\0\0" + b"".join(compatible)
    assert len(ftyp) == size, "give as many compatible brands as the file has"
    return ftyp + data[size:]


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def inside_mdat(data: bytes, payload: bytes) -> bytes:
    """``payload`` at the end of the ``mdat`` box (the last one), where no item points."""
    pos = 0
    while data[pos + 4:pos + 8] != b"mdat":
        pos += int.from_bytes(data[pos:pos + 4], "big")
    size = int.from_bytes(data[pos:pos + 4], "big")
    assert pos + size == len(data)
    return data[:pos] + (size + len(payload)).to_bytes(4, "big") + data[pos + 4:] + payload


def with_ispe(data: bytes, width: int, height: int) -> bytes:
    """Every ``ispe`` (the pixel sizes the file declares) made ``width`` x ``height``."""
    out = bytearray(data)
    at = out.find(b"ispe")
    assert at > 0
    while at > 0:
        out[at + 8:at + 16] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
        at = out.find(b"ispe", at + 4)
    return bytes(out)


def with_grid_canvas(data: bytes, width: int, height: int) -> bytes:
    """The grid's output size (the canvas its tiles are assembled on) made ``width`` x ``height`` (16 bits)."""
    from consistency.services import heif

    meta_at = data.index(b"meta") - 4
    meta = heif._parse_meta(data[meta_at:meta_at + int.from_bytes(data[meta_at:meta_at + 4], "big")], meta_at)
    grid = next(i for i, t in meta.types.items() if t == b"grid")
    _, start, _ = meta.extents[grid][0]
    out = bytearray(data)
    assert not out[start + 1] & 1  # 16-bit sizes
    out[start + 4:start + 8] = width.to_bytes(2, "big") + height.to_bytes(2, "big")
    return bytes(out)


def html_named_heic() -> bytes:
    return b"<!doctype html><html><body><script>fetch('/api/v1/me/')</script></body></html>\n" * 20
