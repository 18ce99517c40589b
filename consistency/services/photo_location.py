"""A copy of a photo without where it was taken, for readers other than head office and auditors.

A phone writes the GPS position into a photo's EXIF, and often into its XMP, its IPTC block and its C2PA
manifest too (a ``stds.exif`` assertion). A manager, a mystery shopper or department staff opening a photo learns
nothing they need from it, and a shopper's or an employee's position is theirs. ``without_location`` keeps the
pixels exactly (a JPEG's and a PNG's image data are copied byte for byte, never decoded) and the EXIF that says how
to show them (orientation) and when they were taken, and drops:

- the EXIF GPS block (the rest of the EXIF is written back without it);
- XMP, IPTC (JPEG APP13, PNG text chunks) and comments, which can carry a location as text;
- the C2PA manifest (JPEG APP11): it may carry the position, and once the bytes change it no longer validates;
- whatever follows the image (a JPEG's trailer: a motion photo's video or depth maps, and the MPF index to them).

Another type (HEIC once it is accepted) is decoded and written again as a JPEG without metadata: the same picture,
upright, not the same bytes.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib

from PIL import ExifTags, Image, ImageOps

logger = logging.getLogger(__name__)

EXIF_HEADER = b"Exif\x00\x00"
GPS_TAG = ExifTags.IFD.GPSInfo
REENCODE_QUALITY = 95
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_TEXT = {b"tEXt", b"iTXt", b"zTXt"}


def output_type(content_type: str) -> str:
    """The content type of the copy ``without_location`` makes of a photo of ``content_type``."""
    return content_type if content_type in ("image/jpeg", "image/png") else "image/jpeg"


def without_location(data: bytes, content_type: str) -> tuple[bytes, str]:
    """(bytes, content type) of ``data`` without its location metadata (module docstring)."""
    if content_type == "image/jpeg":
        return _jpeg(data), content_type
    if content_type == "image/png":
        return _png(data), content_type
    return _reencoded(data), output_type(content_type)


def _exif_without_gps(raw: bytes) -> bytes | None:
    """The EXIF block ``raw`` (TIFF bytes) written back without its GPS IFD, or only its orientation when Pillow
    cannot write it back (a mistyped tag); None if not even that survives."""
    exif = Image.Exif()
    try:
        exif.load(raw)
        exif.get_ifd(ExifTags.IFD.Exif)  # loaded, so that it is written back (capture time, offset)
        exif.pop(GPS_TAG, None)
        return exif.tobytes()
    except Exception:  # noqa: BLE001 - struct and value errors of Pillow's EXIF reader and writer
        orientation = exif.get(ExifTags.Base.Orientation) if len(exif) else None
        if isinstance(orientation, int) and 1 <= orientation <= 8:
            fresh = Image.Exif()
            fresh[ExifTags.Base.Orientation] = orientation
            return fresh.tobytes()
        return None


# --- JPEG --------------------------------------------------------------------------------------------------------

def _jpeg(data: bytes) -> bytes:
    """Copy the JPEG's segments, rewriting EXIF and dropping the others that may say where it was taken."""
    out = bytearray(data[:2])  # SOI
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("JPEG segment without a marker")
        while data[i + 1] == 0xFF:  # fill bytes
            i += 1
        code = data[i + 1]
        if code == 0xD9:  # EOI: the trailer after it is dropped
            out += b"\xff\xd9"
            return bytes(out)
        if 0xD0 <= code <= 0xD7 or code == 0x01:
            out += data[i:i + 2]
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        segment = data[i:i + 2 + length]
        payload = segment[4:]
        i += 2 + length
        if code == 0xE1 and payload.startswith(EXIF_HEADER):
            exif = _exif_without_gps(payload[len(EXIF_HEADER):])
            if exif:
                block = EXIF_HEADER + exif
                out += b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block
        elif code in (0xE1, 0xEB, 0xED, 0xFE):  # XMP (and other APP1), C2PA's JUMBF, IPTC, comment
            pass
        elif code == 0xE2 and payload.startswith(b"MPF\x00"):  # the index of the images after EOI
            pass
        else:
            out += segment
        if code == 0xDA:  # start of scan: the entropy-coded data, up to the next real marker, copied as is
            end = _entropy_end(data, i)
            out += data[i:end]
            i = end
    raise ValueError("JPEG without an end-of-image marker")


def _entropy_end(data: bytes, start: int) -> int:
    """The index of the first marker after entropy-coded data starting at ``start`` (not FF00, RSTn or fill)."""
    j = start
    while (j := data.find(b"\xff", j)) != -1 and j + 1 < len(data):
        nxt = data[j + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            j += 1
            continue
        return j
    raise ValueError("JPEG image data without an end")


# --- PNG ---------------------------------------------------------------------------------------------------------

def _png(data: bytes) -> bytes:
    out = bytearray(PNG_SIGNATURE)
    i = len(PNG_SIGNATURE)
    while i < len(data):
        length = struct.unpack(">I", data[i:i + 4])[0]
        kind = data[i + 4:i + 8]
        chunk = data[i:i + 12 + length]
        i += 12 + length
        if kind == b"eXIf":
            exif = _exif_without_gps(chunk[8:8 + length])
            if exif:
                out += struct.pack(">I", len(exif)) + b"eXIf" + exif + struct.pack(">I", zlib.crc32(b"eXIf" + exif))
        elif kind not in PNG_TEXT:  # XMP and free text may say where
            out += chunk
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("PNG without an end chunk")


# --- anything else -----------------------------------------------------------------------------------------------

def _reencoded(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data))
    upright = ImageOps.exif_transpose(im).convert("RGB")
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=REENCODE_QUALITY)
    return out.getvalue()
