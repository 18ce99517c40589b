"""HEIC and HEIF photos (what iPhones, and many Android phones, take by default): what the file says it is, and its
structure walked before anything decodes it.

A HEIF file is a tree of ISO BMFF boxes (ISO/IEC 23008-12): ``ftyp`` first (the brands that say what it is), a
``meta`` box listing the items (the coded image, or its tiles and the ``grid`` that assembles them; a thumbnail;
the EXIF and XMP blocks) with where their bytes lie (``iloc``) and their properties (``ispe``: the pixel size),
and ``mdat`` holding those bytes. The walk reads only the box headers and the ``meta`` box (bounded by
``MAX_META_BYTES``), in bounded reads, and refuses, as the JPEG and PNG walks do:

- **a truncated or corrupt file**: a box or an item's data that ends past the end of the file, sizes that do not
  add up, more boxes or items than any camera writes;
- **a polyglot**: markup in any byte that is not coded image data. Every byte of the file is scanned (the ``meta``
  box, the EXIF and XMP items, any other box, the bytes of ``mdat`` no image item points at, and data after the
  last box) except the extents of the coded image items (HEVC tiles, ...), which are compressed data where a
  short tag name can occur by chance, as a JPEG's entropy-coded data is skipped;
- **a decompression bomb**: every pixel size the file declares (each item's ``ispe``, each ``grid`` and overlay
  canvas) is checked against the limit before anything is decoded, so that no item declares a small size and
  decodes to a large one.

AVIF (the same container with AV1 coding) is recognised, to be refused by name: the libheif that pillow-heif
ships here has no AV1 decoder, and no phone takes AVIF photos by default.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

HEIC, HEIF, AVIF = "image/heic", "image/heif", "image/avif"
TYPES = (HEIC, HEIF)
# Brands (ISO/IEC 23008-12 Annex B): HEVC-coded images and sequences, then the generic image/sequence brands.
HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})
HEAD_BYTES = 256  # what ``sniff`` is given: an ``ftyp`` box with a dozen brands
MAX_FTYP = HEAD_BYTES
MAX_META_BYTES = 4 * 1024 * 1024  # an iPhone's is a few kB (48 tiles and their properties)
MAX_BOXES = 1024  # top-level boxes: a photo has three or four
MAX_ITEMS = 4096  # items: a 48 Mpx photo has ~110 tiles, a thumbnail, EXIF, XMP, depth and gain maps
MAX_EXTENTS = 16384
CHUNK_BYTES = 64 * 1024
_OVERLAP = 32
_FOURCC = re.compile(rb"[A-Za-z0-9 ]{4}")
# Items whose bytes are compressed image data: not scanned for markup (a short tag can occur in them by chance).
CODED_ITEMS = frozenset({b"hvc1", b"hvt1", b"lhv1", b"av01", b"avc1", b"vvc1", b"j2k1"})
CANVAS_ITEMS = frozenset({b"grid", b"iovl"})


class Malformed(Exception):
    """What is wrong with the file, in words for the person who sent it."""


def sniff(head: bytes) -> str | None:
    """HEIC, HEIF or AVIF from the ``ftyp`` box the file must start with (its major and compatible brands); None
    for anything else. AVIF wins over the generic brands an AVIF file also lists (``mif1``)."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    if size < 16 or size > MAX_FTYP or (size - 16) % 4:
        return None
    body = head[8:min(size, len(head))]
    brands = {body[:4]} | {body[i:i + 4] for i in range(8, len(body) - 3, 4)}
    if brands & AVIF_BRANDS:
        return AVIF
    if brands & HEIC_BRANDS:
        return HEIC
    if brands & HEIF_BRANDS:
        return HEIF
    return None


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int  # of its header
    body: int  # of its payload
    end: int


@dataclass
class _Meta:
    types: dict[int, bytes] = field(default_factory=dict)  # item id -> item type
    # item id -> [(construction method, absolute offset, length)]; offsets of method 1 are into ``idat``
    extents: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    sizes: list[tuple[int, int]] = field(default_factory=list)  # every ispe
    idat: tuple[int, int] | None = None  # absolute (start, end) of the idat payload


def walk(f: IO[bytes], *, scan: Callable[[bytes, str], None], max_pixels: int) -> None:
    """Check the structure of the HEIF file ``f`` (raising ``Malformed``), call ``scan`` on every byte that is not
    coded image data, with where it is, and check every declared pixel size against ``max_pixels``."""
    f.seek(0, io.SEEK_END)
    end = f.tell()
    boxes, trailing = _top_boxes(f, end)
    metas = [box for box in boxes if box.kind == b"meta"]
    if len(metas) != 1:
        raise Malformed("The HEIF file holds no still image (it has no item list); send a photo, not a video "
                        "or an image sequence.")
    meta_box = metas[0]
    if meta_box.end - meta_box.start > MAX_META_BYTES:
        raise Malformed("The HEIF file carries an oversized item list; it is not camera metadata.")
    f.seek(meta_box.start)
    meta_bytes = f.read(meta_box.end - meta_box.start)
    meta = _parse_meta(meta_bytes, meta_box.start)
    _check_sizes(f, meta, max_pixels=max_pixels, end=end)

    coded = _coded_extents(meta, end)
    for box in boxes:
        if box.kind == b"mdat":  # the items' bytes: all but the coded image data
            _scan_ranges(f, _gaps(box.body, box.end, coded), scan, "its metadata")
        else:
            _scan_ranges(f, [(box.start, box.end)], scan, "its metadata")
    if trailing is not None:
        _scan_ranges(f, [trailing], scan, "data after its last box")


def _top_boxes(f: IO[bytes], end: int) -> tuple[list[_Box], tuple[int, int] | None]:
    """The top-level boxes, and the bytes after the last one that are no box (a trailer) if any."""
    pos, boxes = 0, []
    while pos < end:
        if len(boxes) >= MAX_BOXES:
            raise Malformed("The HEIF structure is corrupt (more boxes than any camera writes).")
        f.seek(pos)
        head = f.read(16)
        if len(head) < 8 or not _FOURCC.fullmatch(head[4:8]):
            return boxes, (pos, end)  # not a box: data appended after the file
        size, kind, header = int.from_bytes(head[:4], "big"), head[4:8], 8
        if size == 1:  # a 64-bit size follows
            if len(head) < 16:
                raise Malformed("The image is truncated (inside a box header).")
            size, header = int.from_bytes(head[8:16], "big"), 16
        elif size == 0:  # the last box, to the end of the file
            size = end - pos
        if size < header:
            raise Malformed("The HEIF structure is corrupt (a box size is invalid).")
        if pos + size > end:
            raise Malformed(f"The image is truncated (its {kind.decode()} box ends past the end of the file).")
        boxes.append(_Box(kind, pos, pos + header, pos + size))
        pos += size
    return boxes, None


def _children(data: bytes, start: int, stop: int):
    """The boxes inside ``data[start:stop]``: (kind, payload start, end), each checked to stay inside."""
    pos, seen = start, 0
    while pos < stop:
        seen += 1
        if seen > MAX_ITEMS or stop - pos < 8:
            raise Malformed("The HEIF metadata is corrupt (a box overruns its parent).")
        size, kind, header = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8], 8
        if size == 1:
            if stop - pos < 16:
                raise Malformed("The HEIF metadata is corrupt (a box overruns its parent).")
            size, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = stop - pos
        if size < header or pos + size > stop:
            raise Malformed("The HEIF metadata is corrupt (a box overruns its parent).")
        yield kind, pos + header, pos + size
        pos += size


class _Reader:
    """Big-endian fields of one box, never past its end."""

    def __init__(self, data: bytes, pos: int, stop: int):
        self.data, self.pos, self.stop = data, pos, stop

    def uint(self, n: int) -> int:
        if n == 0:
            return 0
        if self.pos + n > self.stop:
            raise Malformed("The HEIF metadata is corrupt (a box is shorter than its fields).")
        value = int.from_bytes(self.data[self.pos:self.pos + n], "big")
        self.pos += n
        return value

    def take(self, n: int) -> bytes:
        if self.pos + n > self.stop:
            raise Malformed("The HEIF metadata is corrupt (a box is shorter than its fields).")
        value = self.data[self.pos:self.pos + n]
        self.pos += n
        return value


def _parse_meta(data: bytes, offset: int) -> _Meta:
    meta = _Meta()
    header = 16 if int.from_bytes(data[:4], "big") == 1 else 8
    for kind, body, end in _children(data, header + 4, len(data)):  # a full box: version and flags first
        if kind == b"iinf":
            _parse_iinf(data, body, end, meta)
        elif kind == b"iloc":
            _parse_iloc(_Reader(data, body, end), meta)
        elif kind == b"iprp":
            for ckind, cbody, cend in _children(data, body, end):
                if ckind == b"ipco":
                    for pkind, pbody, pend in _children(data, cbody, cend):
                        if pkind == b"ispe":
                            r = _Reader(data, pbody + 4, pend)
                            meta.sizes.append((r.uint(4), r.uint(4)))
        elif kind == b"idat":
            meta.idat = (offset + body, offset + end)
    for item_id, extents in meta.extents.items():  # idat offsets made absolute
        if any(method == 1 for method, _, _ in extents):
            if meta.idat is None:
                raise Malformed("The HEIF metadata is corrupt (an item points into missing data).")
            meta.extents[item_id] = [(m, meta.idat[0] + o if m == 1 else o, n) for m, o, n in extents]
    return meta


def _parse_iinf(data: bytes, body: int, end: int, meta: _Meta) -> None:
    r = _Reader(data, body, end)
    version = r.uint(1)
    r.uint(3)
    count = r.uint(2 if version == 0 else 4)
    if count > MAX_ITEMS:
        raise Malformed("The HEIF structure is corrupt (more items than any camera writes).")
    for kind, ibody, iend in _children(data, r.pos, end):
        if kind != b"infe":
            continue
        e = _Reader(data, ibody, iend)
        version = e.uint(1)
        e.uint(3)
        if version < 2:  # an old entry without an item type: its bytes are scanned as metadata
            continue
        item_id = e.uint(2 if version == 2 else 4)
        e.uint(2)  # protection index
        meta.types[item_id] = e.take(4)


def _parse_iloc(r: _Reader, meta: _Meta) -> None:
    version = r.uint(1)
    r.uint(3)
    sizes = r.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 15
    sizes = r.uint(1)
    base_size, index_size = sizes >> 4, (sizes & 15) if version in (1, 2) else 0
    if any(n not in (0, 4, 8) for n in (offset_size, length_size, base_size, index_size)):
        raise Malformed("The HEIF metadata is corrupt (an item location has an invalid field size).")
    count = r.uint(2 if version < 2 else 4)
    if count > MAX_ITEMS:
        raise Malformed("The HEIF structure is corrupt (more items than any camera writes).")
    total = 0
    for _ in range(count):
        item_id = r.uint(2 if version < 2 else 4)
        method = r.uint(2) & 15 if version in (1, 2) else 0
        r.uint(2)  # data reference index: 0, this file
        base = r.uint(base_size)
        extents = r.uint(2)
        total += extents
        if total > MAX_EXTENTS:
            raise Malformed("The HEIF structure is corrupt (more item extents than any camera writes).")
        located = []
        for _ in range(extents):
            r.uint(index_size)
            located.append((method, base + r.uint(offset_size), r.uint(length_size)))
        meta.extents[item_id] = located


def _check_sizes(f: IO[bytes], meta: _Meta, *, max_pixels: int, end: int) -> None:
    """Every pixel size the file declares within the limit, and every item's data inside the file."""
    sizes = list(meta.sizes)
    for item_id, extents in meta.extents.items():
        for method, start, length in extents:
            limit = meta.idat[1] if method == 1 else end
            if method in (0, 1) and start + length > limit:
                raise Malformed("The image is truncated (an item's data lies past the end of the file).")
        if meta.types.get(item_id) in CANVAS_ITEMS and extents and extents[0][0] in (0, 1):
            _, start, _ = extents[0]
            f.seek(start)
            head = f.read(24)
            skip = 4 if meta.types[item_id] == b"grid" else 10  # version, flags, (rows, columns | fill values)
            if len(head) < skip:
                raise Malformed("The image is truncated (inside an image grid).")
            wide = 4 if head[1] & 1 else 2
            r = _Reader(head, skip, len(head))
            sizes.append((r.uint(wide), r.uint(wide)))
    for width, height in sizes:
        if width * height > max_pixels:
            raise Malformed(f"The image is {width} x {height} pixels, over the limit of {max_pixels:,} pixels for "
                            "a HEIC; it is refused without being decoded. Take it at a lower resolution, or as a JPEG.")


def _coded_extents(meta: _Meta, end: int) -> list[tuple[int, int]]:
    """(start, end) in the file of the coded image data, merged and sorted."""
    spans = sorted((start, start + length if length else end)
                   for item_id, extents in meta.extents.items() if meta.types.get(item_id) in CODED_ITEMS
                   for method, start, length in extents if method == 0)
    merged: list[tuple[int, int]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def _gaps(start: int, stop: int, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, stop) outside the sorted, disjoint ``skip`` spans."""
    out, pos = [], start
    for s, e in skip:
        if e <= pos or s >= stop:
            continue
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < stop:
        out.append((pos, stop))
    return out


def _scan_ranges(f: IO[bytes], ranges: list[tuple[int, int]], scan: Callable[[bytes, str], None], where: str) -> None:
    for start, stop in ranges:
        f.seek(start)
        tail, left = b"", stop - start
        while left > 0:
            piece = f.read(min(left, CHUNK_BYTES))
            if not piece:
                raise Malformed("The image is truncated.")
            scan(tail + piece, where)
            tail, left = piece[-_OVERLAP:], left - len(piece)
