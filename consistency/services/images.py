"""Is this file really a photo, and what does it say about itself?

``inspect_photo`` answers for a seekable file (a temporary file the object was streamed into, or an
upload Django already spooled). It never holds the whole file in memory: the structure walk reads
bounded chunks, and a JPEG is decoded at a reduced scale (libjpeg's DCT scaling via ``draft``), which
still decodes every byte of the entropy-coded data, so ``load()`` proves the image is whole while the
pixel buffer stays near the thumbnail's size.

What is refused, and why:

- **Not an image**: the first bytes must be a JPEG (FF D8 FF) or PNG signature, or a HEIF ``ftyp`` box with a
  HEIC or HEIF brand (``heif``). A text file renamed ``.jpg`` or ``.heic`` fails here. The signature must also
  match the declared content type (HEIC and HEIF are one container: either name is taken for either).
- **Polyglot**: a file that is a valid image *and* something else a browser or server could act on.
  We refuse (a) any bytes before the image signature (covered by the rule above), (b) markup (HTML,
  SVG, script, PHP) inside the image's metadata segments (JPEG APPn/COM, PNG text chunks), which is
  where classic JPEG/HTML polyglots and IE-style content sniffing find it, and (c) markup in any data
  after the end-of-image marker (JPEG EOI, PNG IEND). A HEIF file is scanned in every byte that is not coded
  image data (``heif.walk``). Trailing data without markup is allowed:
  cameras append legitimate trailers (multi-picture depth maps, motion-photo videos).
- **Decompression bombs**: the pixel count from the header is checked against
  ``settings.MAX_PHOTO_PIXELS`` before anything is decoded; Pillow's own bomb guard
  (``Image.MAX_IMAGE_PIXELS``) is a second line. A 50,000 x 50,000 header is refused without
  allocating its pixels. A HEIC has no reduced-scale decode either: its own, lower limit
  (``settings.MAX_HEIC_PIXELS``), checked on every size the file declares before libheif decodes anything.
- **Damaged images**: Pillow ``verify()`` (PNG CRCs, structure) and a full ``load()``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from typing import IO

import imagehash
import pillow_heif
from django.conf import settings
from PIL import ExifTags, Image, ImageOps, ImageStat

from . import capture, heif, reuse

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
THUMBNAIL_PX = 800  # long side of the copy reports embed
THUMBNAIL_QUALITY = 82
FEATURELESS_STDDEV = 2.0  # grey levels, over the report copy
ORIENTATION_TAG = 0x0112
MAX_TEXT_SEGMENT = 256 * 1024  # a PNG text chunk larger than this is not camera metadata

JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Content type -> the extension of the original's key (a HEIC keeps its own: the original is kept as sent).
ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", heif.HEIC: "heic", heif.HEIF: "heif"}
ACCEPTED_NAMES = "JPEG, PNG or HEIC"  # what messages say is accepted
# The photo inputs' ``accept``: any image (a phone's camera and library; a type refused here is refused with its
# reason), and .heic, which most desktops give no image type. Short: a checklist has 40 inputs and a byte budget.
ACCEPT_ATTRIBUTE = "image/*,.heic"
_BY_EXTENSION = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "heic": heif.HEIC, "heif": heif.HEIF}


def part_type(content_type: str | None, filename: str | None) -> str:
    """The type a multipart upload declares: its part's, or, where the browser knew none (a .heic on most desktops
    goes as application/octet-stream), the one its name says. The bytes are checked against it all the same."""
    if content_type and content_type != "application/octet-stream":
        return content_type
    extension = (filename or "").rpartition(".")[2].lower()
    return _BY_EXTENSION.get(extension, content_type or "") if "." in (filename or "") else (content_type or "")


def accepted_types() -> str:
    """"image/jpeg, image/png, image/heic or image/heif": the content types a message names."""
    *first, last = ALLOWED_TYPES
    return f"{', '.join(first)} or {last}"


# Once, at import: the HEIF opener, without reading embedded thumbnails (``draft`` would decode one instead of the
# image, which may show something else), depth or auxiliary images (never looked at; less parsed). Two threads:
# the machine's workers share its cores, and libde265's memory grows with its threads.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False, decode_threads=2)

# Markup a browser or server would act on. Requires a delimiter after the tag name, so that binary
# metadata and XMP (``<x:xmpmeta``, ``<rdf:RDF``) do not match.
MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|frame|svg|object|embed|style|img|meta|link|form|base)"
    rb"[\s>/]|<\?php|javascript:",
    re.IGNORECASE,
)
_MARKUP_OVERLAP = 32


class NotAcceptable(Exception):
    """The file is not a photo we accept; ``str()`` is the human reason stored on the evidence."""


@dataclass(frozen=True)
class PhotoFacts:
    content_type: str
    width: int
    height: int
    captured_local: dt.datetime | None  # naive, as the camera wrote it
    captured_offset: dt.timedelta | None  # from OffsetTimeOriginal, when present
    phash: str  # 16 hex digits; empty for a featureless picture
    thumbnail: bytes  # JPEG, long side <= THUMBNAIL_PX, upright, without metadata
    fingerprint: reuse.Fingerprint | None = None  # what reuse detection indexes; None for a featureless picture
    # Capture checks (consistency.services.capture)
    sharpness: float | None = None  # variance of the Laplacian of the report copy
    brightness: float | None = None  # mean luminance of the report copy, 0..255
    software: str = ""  # the EXIF Software tag, when it names an editor
    gps: tuple[float, float] | None = None  # (latitude, longitude) from EXIF GPS
    credentials: dict | None = None  # C2PA content credentials, when the photo carries them


def sniff(head: bytes) -> str | None:
    """The type the first bytes say (give ``heif.HEAD_BYTES``): JPEG, PNG, HEIC, HEIF, AVIF (refused by name), or
    None."""
    if head.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "image/png"
    return heif.sniff(head)


def same_type(actual: str, declared: str) -> bool:
    """Whether the file is what was declared. ``image/heif`` names the container and ``image/heic`` its HEVC
    coding: phones name the same file either way (an Android ``.heif`` is HEVC-coded too), so either is taken."""
    return actual == declared or (actual in heif.TYPES and declared in heif.TYPES)


def inspect_photo(f: IO[bytes], *, declared_type: str, max_pixels: int | None = None) -> PhotoFacts:
    max_pixels = max_pixels or settings.MAX_PHOTO_PIXELS
    f.seek(0)
    actual = sniff(f.read(heif.HEAD_BYTES))
    if actual is None:
        raise NotAcceptable(f"The file is not a {ACCEPTED_NAMES} image (its first bytes are not an image "
                            "signature).")
    if actual == heif.AVIF:
        raise NotAcceptable(f"The file is an AVIF image, which is not accepted; send the photo as a {ACCEPTED_NAMES}.")
    if not same_type(actual, declared_type):
        raise NotAcceptable(f"The file is {_type_name(actual)} but {declared_type} was declared.")
    actual = declared_type  # a HEIF under either of its names: the one declared, which its key and storage carry
    if actual == "image/jpeg":
        _walk_jpeg(f)
    elif actual == "image/png":
        _walk_png(f)
    else:
        try:
            heif.walk(f, scan=_scan_markup, max_pixels=min(max_pixels, settings.MAX_HEIC_PIXELS))
        except heif.Malformed as error:
            raise NotAcceptable(str(error)) from None
    try:
        return _decode(f, content_type=actual, max_pixels=max_pixels)
    except NotAcceptable:
        raise
    except Exception as error:  # noqa: BLE001 - Pillow on a file a phone made: refused with a reason, not a 500
        # (and, for a photo on S3, not left pending for good). Logged: it may be a format worth supporting.
        logger.warning("photo inspection failed on a %s image", actual, exc_info=True)
        raise NotAcceptable(f"The image could not be processed ({type(error).__name__}); take it again, or export "
                            "it as a JPEG.") from error


def _type_name(content_type: str) -> str:
    return {"image/jpeg": "a JPEG image", "image/png": "a PNG image", heif.HEIC: "a HEIC image",
            heif.HEIF: "a HEIF image"}.get(content_type, content_type)


# --- structure walks (bounded reads) ------------------------------------------------------------------

def _scan_markup(data: bytes, where: str) -> None:
    if MARKUP.search(data):
        raise NotAcceptable(f"The file carries HTML or script markup in {where}; it is refused as a polyglot.")


def _scan_trailer(f: IO[bytes], what: str) -> None:
    tail = b""
    while chunk := f.read(CHUNK_BYTES):
        _scan_markup(tail + chunk, f"data after the {what}")
        tail = chunk[-_MARKUP_OVERLAP:]


def _read_exact(f: IO[bytes], n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise NotAcceptable(f"The image is truncated ({what}).")
    return data


def _walk_jpeg(f: IO[bytes]) -> None:
    """Follow the JPEG marker structure to its end-of-image marker, scanning metadata for markup."""
    f.seek(2)
    while True:
        if _read_exact(f, 1, "marker") != b"\xff":
            raise NotAcceptable("The JPEG structure is corrupt (a segment does not start with a marker).")
        code = 0xFF
        while code == 0xFF:  # fill bytes may precede a marker
            code = _read_exact(f, 1, "marker")[0]
        if code == 0xD9:  # EOI
            _scan_trailer(f, "JPEG end-of-image marker")
            return
        if 0xD0 <= code <= 0xD7 or code == 0x01:  # RSTn, TEM: no payload
            continue
        length = int.from_bytes(_read_exact(f, 2, "segment length"), "big")
        if length < 2:
            raise NotAcceptable("The JPEG structure is corrupt (a segment length is invalid).")
        payload = _read_exact(f, length - 2, "segment")
        if 0xE0 <= code <= 0xEF or code == 0xFE:  # APPn (EXIF, XMP, ICC...) and comments
            _scan_markup(payload, "its metadata")
        if code == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            _skip_entropy(f)


def _skip_entropy(f: IO[bytes]) -> None:
    """Leave ``f`` at the 0xFF of the first marker after entropy-coded data (not FF00 or RSTn)."""
    while True:
        start = f.tell()
        chunk = f.read(CHUNK_BYTES)
        if len(chunk) < 2:
            raise NotAcceptable("The image is truncated (it ends inside its image data).")
        i = 0
        while (j := chunk.find(b"\xff", i, len(chunk) - 1)) != -1:
            nxt = chunk[j + 1]
            if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:  # stuffed byte, restart, fill
                i = j + 1
                continue
            f.seek(start + j)
            return
        # The last byte may be an FF whose meaning is in the next read: start the next read on it.
        f.seek(start + len(chunk) - 1)


def _walk_png(f: IO[bytes]) -> None:
    f.seek(8)
    while True:
        length = int.from_bytes(_read_exact(f, 4, "chunk length"), "big")
        kind = _read_exact(f, 4, "chunk type")
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            if length > MAX_TEXT_SEGMENT:
                raise NotAcceptable("The PNG carries an oversized text chunk; it is not camera metadata.")
            _scan_markup(_read_exact(f, length, "text chunk"), "its metadata")
            f.seek(4, io.SEEK_CUR)
        elif kind not in (b"IDAT", b"IEND"):
            # Every other chunk is metadata (EXIF, ICC profile, a private chunk): scanned as a JPEG's APPn
            # segments are, in bounded reads. Only the image data is skipped, as a JPEG's entropy-coded data is.
            tail, left = b"", length
            while left:
                piece = _read_exact(f, min(left, CHUNK_BYTES), "chunk")
                _scan_markup(tail + piece, "its metadata")
                tail, left = piece[-_MARKUP_OVERLAP:], left - len(piece)
            f.seek(4, io.SEEK_CUR)
        else:
            here = f.tell()
            f.seek(here + length + 4)  # skip data and CRC without reading them; verify() checks CRCs
        if kind == b"IEND":
            _scan_trailer(f, "PNG end marker")
            return
        if not f.read(1):
            raise NotAcceptable("The image is truncated (no PNG end marker).")
        f.seek(-1, io.SEEK_CUR)


# --- decoding -------------------------------------------------------------------------------------

_FORMATS = {"image/jpeg": ["JPEG"], "image/png": ["PNG"], heif.HEIC: ["HEIF"], heif.HEIF: ["HEIF"]}


def _open(f: IO[bytes], max_pixels: int, content_type: str) -> Image.Image:
    """The image from its header, nothing decoded yet (a HEIF: the whole file read, at most MAX_PHOTO_BYTES, and
    its boxes parsed by libheif), by the one decoder of the type the signature named."""
    f.seek(0)
    try:
        return Image.open(f, formats=_FORMATS[content_type])
    except Image.DecompressionBombError as error:  # Pillow's own guard, on the header alone
        raise NotAcceptable(f"The image claims far more than {max_pixels:,} pixels; it is refused without being "
                            "decoded.") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise NotAcceptable(f"The image cannot be read: {error}.") from error


def _decode(f: IO[bytes], *, content_type: str, max_pixels: int) -> PhotoFacts:
    im = _open(f, max_pixels, content_type)
    width, height = im.size
    # Before any pixel is decoded: the header alone says how much memory decoding would take. A JPEG is
    # decoded at reduced scale below; a PNG cannot be, so it has a lower limit.
    png_limit = min(max_pixels, settings.MAX_PNG_PIXELS)
    if content_type == "image/png" and width * height > png_limit:
        raise NotAcceptable(f"The PNG is {width} x {height} pixels, over the limit of {png_limit:,} pixels for a "
                            "PNG; send the photo as a JPEG.")
    heic_limit = min(max_pixels, settings.MAX_HEIC_PIXELS)  # heif.walk checked every size the file declares
    if content_type in heif.TYPES and width * height > heic_limit:
        raise NotAcceptable(f"The image is {width} x {height} pixels, over the limit of {heic_limit:,} pixels for "
                            "a HEIC; it is refused without being decoded. Take it at a lower resolution, or as a JPEG.")
    if width * height > max_pixels:
        raise NotAcceptable(
            f"The image is {width} x {height} pixels, over the limit of {max_pixels:,} pixels."
        )
    if width < 1 or height < 1:
        raise NotAcceptable("The image has no pixels.")
    try:
        im.verify()
    except Exception as error:  # Pillow raises a variety of types for corrupt data
        raise NotAcceptable(f"The image is damaged: {error}.") from error

    im = _open(f, max_pixels, content_type)  # verify() leaves the image unusable; decode from a fresh open
    captured_local, captured_offset = _capture_time(im)
    if content_type == "image/jpeg":
        long_side = max(width, height)
        if long_side > THUMBNAIL_PX:
            box = (max(1, width * THUMBNAIL_PX // long_side), max(1, height * THUMBNAIL_PX // long_side))
            im.draft("RGB", box)  # decode at 1/2, 1/4 or 1/8 scale, still reading all the data
    try:
        im.load()
    except Exception as error:
        raise NotAcceptable(f"The image is damaged or truncated: {error}.") from error
    if content_type != "image/jpeg":  # a JPEG was decoded at reduced scale already; a PNG or HEIC at full size
        im = _shrink(im)

    thumb = _thumbnail(im)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=THUMBNAIL_QUALITY)
    # The perceptual hash is taken on the upright, reduced copy: the same scene rotated by an EXIF
    # flag or re-encoded at another size hashes the same.
    # A featureless picture (a single colour: a blank frame, a lens cap) has the same hash as every other one
    # ("8000000000000000"): it gets none, so that unrelated blank photos are not flagged as copies of each other.
    # Its bytes are still compared.
    featureless = max(ImageStat.Stat(thumb.convert("L")).stddev) < FEATURELESS_STDDEV
    phash = "" if featureless else str(imagehash.phash(thumb))
    # Capture checks (consistency.services.capture): measured on the upright report copy, read from the EXIF and
    # from the original bytes (C2PA content credentials).
    sharpness, brightness = capture.measure(thumb)
    software, gps = _capture_facts(im)
    return PhotoFacts(content_type=content_type, width=width, height=height, captured_local=captured_local,
                      captured_offset=captured_offset, phash=phash, thumbnail=out.getvalue(),
                      fingerprint=None if featureless else reuse.fingerprint(thumb),
                      sharpness=sharpness, brightness=brightness, software=software, gps=gps,
                      credentials=capture.read_credentials(f, content_type))


def _shrink(im: Image.Image) -> Image.Image:
    """A decoded PNG of many pixels, reduced before anything converts its pixel format: converting first held
    the palette image, its RGBA copy and its RGB copy at full size at once (~380 MB for 36 Mpx). What is
    left for the thumbnail is at least twice its size, so that its resampling still has detail to work on."""
    factor = max(im.size) // (2 * THUMBNAIL_PX)
    if factor < 2:
        return im
    box = (max(1, im.width // factor), max(1, im.height // factor))
    exif = im.getexif()
    small = None
    if im.mode not in ("P", "PA", "1"):  # no averaging on a palette
        try:
            small = im.reduce(factor)
        except ValueError:  # a pixel format reduce() does not take (16-bit greyscale)
            pass
    if small is None:  # the nearest pixel, still at twice the thumbnail's size
        small = im.resize(box, Image.Resampling.NEAREST)
    small.info["exif"] = _orientation_block(exif)  # the orientation flag, for exif_transpose
    return small


def _orientation_block(exif: Image.Exif) -> bytes:
    """The EXIF block to carry over; a block Pillow reads but cannot write back (a mistyped tag, such as an
    orientation stored as a fraction) is reduced to its orientation, if that is one."""
    try:
        return exif.tobytes()
    except Exception:  # noqa: BLE001 - struct and value errors of Pillow's EXIF writer
        orientation = exif.get(ORIENTATION_TAG)
        fresh = Image.Exif()
        if isinstance(orientation, int) and 1 <= orientation <= 8:
            fresh[ORIENTATION_TAG] = orientation
        return fresh.tobytes()


def _thumbnail(im: Image.Image) -> Image.Image:
    try:
        upright = ImageOps.exif_transpose(im)
    except Exception:  # Pillow rewriting a malformed EXIF block (a mistyped tag): the pixels as stored
        upright = im
    try:
        if upright.mode == "P" and "transparency" not in upright.info:
            upright = upright.convert("RGB")
        elif upright.mode in ("RGBA", "LA", "P", "PA"):
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            upright = flat
        elif upright.mode != "RGB":
            upright = upright.convert("RGB")
    except (ValueError, OSError) as error:
        raise NotAcceptable(f"The image's pixel format is not supported: {error}.") from error
    upright.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    return upright


# --- capture time ---------------------------------------------------------------------------------

EXIF_YEARS = (1900, 2999)
_EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _capture_time(im: Image.Image) -> tuple[dt.datetime | None, dt.timedelta | None]:
    """DateTimeOriginal (else DateTimeDigitized) with its OffsetTime* tag when the camera wrote one."""
    try:
        exif_ifd = im.getexif().get_ifd(ExifTags.IFD.Exif)
    except Exception:  # unreadable EXIF is no capture time, not a reason to refuse the photo
        return None, None
    pairs = [(ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
             (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized)]
    for time_tag, offset_tag in pairs:
        local = parse_exif_time(exif_ifd.get(time_tag))
        if local is not None:
            return local, parse_exif_offset(exif_ifd.get(offset_tag))
    return None, None


def _capture_facts(im: Image.Image) -> tuple[str, tuple[float, float] | None]:
    """The EXIF Software tag (as written) and the GPS position (latitude, longitude), when the photo carries them."""
    try:
        exif = im.getexif()
        software = exif.get(ExifTags.Base.Software)
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # unreadable EXIF says nothing, as for the capture time
        return "", None
    if isinstance(software, bytes):
        software = software.decode("utf-8", "replace")
    return str(software or "").strip("\x00 ")[:200], parse_gps(gps_ifd)


def parse_gps(gps_ifd) -> tuple[float, float] | None:
    """(latitude, longitude) in degrees from an EXIF GPS IFD (degrees, minutes, seconds and N/S, E/W refs)."""
    try:
        lat = _degrees(gps_ifd[ExifTags.GPS.GPSLatitude], gps_ifd.get(ExifTags.GPS.GPSLatitudeRef), "S")
        lon = _degrees(gps_ifd[ExifTags.GPS.GPSLongitude], gps_ifd.get(ExifTags.GPS.GPSLongitudeRef), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    return capture.valid_position(lat, lon)


def _degrees(dms, ref, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -value if str(ref or "").strip("\x00 ").upper() == negative else value


def parse_exif_time(value) -> dt.datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    match = _EXIF_TIME.match(str(value or "").strip())
    if not match:
        return None
    try:
        taken = dt.datetime(*(int(part) for part in match.groups()))
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
        return None
    # A clock that says year 1 or 9999 says nothing (and such a time overflows once moved to UTC); one that
    # says 1980 is kept, and flagged as far from the check's day.
    return taken if EXIF_YEARS[0] <= taken.year <= EXIF_YEARS[1] else None


def parse_exif_offset(value) -> dt.timedelta | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    match = _EXIF_OFFSET.match(str(value or "").strip().rstrip("\x00"))
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes))
    if delta > dt.timedelta(hours=14):
        return None
    return -delta if sign == "-" else delta
