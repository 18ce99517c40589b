"""The image checks on their own: what counts as a photo, a polyglot, a bomb; EXIF capture times."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pytest
from PIL import Image

from consistency.services import images

from .evidence_factories import bomb_jpeg, bomb_png, photo, with_comment


def inspect(data: bytes, declared="image/jpeg", **kwargs):
    return images.inspect_photo(io.BytesIO(data), declared_type=declared, **kwargs)


def refused(data: bytes, declared="image/jpeg", **kwargs) -> str:
    with pytest.raises(images.NotAcceptable) as caught:
        inspect(data, declared, **kwargs)
    return str(caught.value)


def png_with_chunk(kind: bytes, payload: bytes) -> bytes:
    data = photo(seed=1, fmt="PNG", size=(32, 32))
    chunk = struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    iend = data.index(b"IEND") - 4
    return data[:iend] + chunk + data[iend:]


def test_a_plain_jpeg_and_png_pass():
    facts = inspect(photo(seed=1, size=(320, 240)))
    assert (facts.content_type, facts.width, facts.height) == ("image/jpeg", 320, 240)
    assert inspect(photo(seed=1, fmt="PNG"), "image/png").content_type == "image/png"


def test_progressive_grayscale_cmyk_and_transparent_images_pass():
    base = Image.open(io.BytesIO(photo(seed=2, size=(900, 700))))
    for mode, fmt, extra in [("RGB", "JPEG", {"progressive": True}), ("L", "JPEG", {}), ("CMYK", "JPEG", {}),
                             ("RGBA", "PNG", {}), ("P", "PNG", {})]:
        out = io.BytesIO()
        base.convert(mode).save(out, fmt, **extra)
        facts = inspect(out.getvalue(), f"image/{fmt.lower()}")
        assert Image.open(io.BytesIO(facts.thumbnail)).mode == "RGB"


def test_metadata_that_is_not_markup_is_not_a_polyglot():
    xmp = (b'http://ns.adobe.com/xap/1.0/\x00<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    data = photo(seed=3)
    app1 = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    inspect(data[:2] + app1 + data[2:])
    inspect(with_comment(data, b"Restroom, 08:10, checked by Sam <sam at example.com>"))
    # A binary trailer (a camera's depth map or motion photo) is allowed; markup in it is not.
    inspect(data + bytes(range(256)) * 100)
    assert "polyglot" in refused(data + bytes(range(256)) * 100 + b"<svg onload=alert(1)>")


@pytest.mark.parametrize("payload", [b"Comment\x00<script>alert(1)</script>", b"Comment\x00<IFRAME src=x>"])
def test_png_text_chunks_with_markup_are_refused(payload):
    assert "polyglot" in refused(png_with_chunk(b"tEXt", payload), "image/png")


@pytest.mark.parametrize("kind", [b"eXIf", b"prVt"])
def test_markup_in_any_png_metadata_chunk_is_refused(kind):
    # As in any of a JPEG's APPn segments: a PNG's EXIF or a private chunk carrying a page was verified.
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    assert "polyglot" in refused(png_with_chunk(kind, page), "image/png")
    assert "polyglot" in refused(png_with_chunk(kind, bytes(range(256)) * 300 + page), "image/png")  # past one read
    inspect(png_with_chunk(kind, bytes(range(256)) * 300), "image/png")  # binary metadata is fine


def test_markup_split_across_read_boundaries_is_found():
    data = photo(seed=4)
    pad = images.CHUNK_BYTES - 3
    assert "polyglot" in refused(data + b"\x00" * pad + b"<html>")


def test_bombs_are_refused_from_the_header():
    assert "pixels" in refused(bomb_jpeg())
    assert "pixels" in refused(bomb_png(), "image/png")
    # Under Pillow's own limit but over ours: our message, before decoding.
    assert "8000 x 6000 pixels, over the limit of 40,000,000" in refused(bomb_jpeg(8000, 6000))


def test_damaged_data_is_refused():
    data = bytearray(photo(seed=5, fmt="PNG"))
    data[data.index(b"IDAT") + 10] ^= 0xFF  # CRC no longer matches
    assert "damaged" in refused(bytes(data), "image/png")
    assert "truncated" in refused(photo(seed=5)[:-200])


def test_exif_capture_time_and_offset():
    facts = inspect(photo(seed=6, captured="2026:03:10 08:15:30", offset="-05:00"))
    assert facts.captured_local == dt.datetime(2026, 3, 10, 8, 15, 30)
    assert facts.captured_offset == dt.timedelta(hours=-5)
    facts = inspect(photo(seed=6, captured="2026:03:10 08:15:30"))
    assert facts.captured_offset is None
    assert inspect(photo(seed=6, captured="0000:00:00 00:00:00")).captured_local is None
    assert images.parse_exif_offset("+25:00") is None and images.parse_exif_offset("+05:45") == dt.timedelta(
        hours=5, minutes=45)


def test_a_camera_clock_far_off_is_kept_and_one_off_the_calendar_is_none():
    assert inspect(photo(seed=6, captured="1980:01:01 00:00:00")).captured_local == dt.datetime(1980, 1, 1)
    for absurd in ("0001:01:01 00:00:00", "9999:12:31 23:00:00"):
        assert inspect(photo(seed=6, captured=absurd, offset="+13:00")).captured_local is None


def test_a_mistyped_exif_tag_beside_an_orientation_flag_does_not_refuse_the_photo():
    # Pillow rewriting the EXIF to turn the image upright raised AttributeError on the mistyped tag: a 500.
    im = Image.new("RGB", (640, 480), (100, 150, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotated
    exif[0x010F] = "Camera"  # Make, ASCII
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif)
    data = bytearray(out.getvalue())
    entry = data.index(b"\x01\x0f\x00\x02\x00\x00\x00\x07")  # the Make entry: ASCII, count 7
    data[entry + 2:entry + 8] = b"\x00\x05\x00\x00\x00\x01"  # now RATIONAL, count 1
    facts = inspect(bytes(data))
    assert (facts.width, facts.height) == (640, 480) and facts.thumbnail


def _png(im: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG", **save)
    return out.getvalue()


@pytest.mark.parametrize("width", [1000, 3300])  # from 3,200 px a PNG is reduced before its thumbnail is made
def test_a_large_16_bit_greyscale_png_passes(width):
    # Pillow's reduce() does not take 16-bit greyscale: a 500, and on S3 a photo pending for good.
    facts = inspect(_png(Image.effect_noise((width, 40), 60).convert("I;16")), "image/png")
    assert facts.width == width and facts.thumbnail


@pytest.mark.parametrize("width", [1000, 3300])
def test_a_large_png_with_an_exif_block_pillow_cannot_write_back_passes(width):
    # The orientation stored as a DOUBLE: Pillow reads the block but cannot write it again (struct.error, a 500).
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 12, 1, 26) + b"\0\0\0\0" + struct.pack("<d", 1.0)
    exif = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd
    facts = inspect(_png(Image.effect_noise((width, 40), 60), exif=exif), "image/png")
    assert facts.width == width and facts.thumbnail


def test_any_other_failure_of_the_image_library_is_a_refusal_with_a_reason(monkeypatch, caplog):
    # A file a phone made can trip Pillow in ways no one listed: the phone gets a reason, not a 500, and the
    # log keeps the traceback.
    def broken(im):
        raise struct.error("unpack requires a buffer of 8 bytes")

    monkeypatch.setattr(images, "_thumbnail", broken)
    assert refused(photo(seed=8)) == ("The image could not be processed (error); take it again, or export it "
                                    "as a JPEG.")
    assert "photo inspection failed on a image/jpeg image" in caplog.text


def test_a_png_has_a_lower_pixel_limit_than_a_jpeg(settings):
    settings.MAX_PNG_PIXELS = 100 * 100
    inspect(photo(seed=7, size=(100, 100), fmt="PNG"), "image/png")
    assert "send the photo as a JPEG" in refused(photo(seed=7, size=(101, 100), fmt="PNG"), "image/png")
    inspect(photo(seed=7, size=(200, 200)))  # a JPEG is decoded at reduced scale: its own limit


def test_a_large_png_is_reduced_before_its_pixels_are_converted(tmp_path):
    # A 16 Mpx palette PNG (the PNG limit): converting it at full size held ~100 MB at once (bench/evidence).
    import os
    import subprocess
    import sys
    from pathlib import Path

    im = Image.new("P", (4000, 4000), 3)
    im.putpalette([v for i in range(256) for v in (i, 255 - i, 128)])
    path = tmp_path / "big.png"
    im.save(path)
    measure = ("import sys, django; django.setup()\n"
               "from consistency.services import images\n"
               "status = lambda f: next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith(f + ':'))\n"
               "open('/proc/self/clear_refs', 'w').write('5'); before = status('VmRSS')\n"
               "facts = images.inspect_photo(open(sys.argv[1], 'rb'), declared_type='image/png')\n"
               "print(facts.width, (status('VmHWM') - before) // 1024)")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", measure, str(path)], cwd=root, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": "backend.settings.test"})
    width, peak_mb = map(int, out.stdout.split())
    assert width == 4000 and peak_mb < 75, f"inspecting a 16 Mpx palette PNG grew the process by {peak_mb} MB"


def test_thumbnail_is_upright_and_small():
    im = Image.open(io.BytesIO(photo(seed=7, size=(2000, 1000))))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif)
    facts = inspect(out.getvalue())
    assert (facts.width, facts.height) == (2000, 1000)
    thumb = Image.open(io.BytesIO(facts.thumbnail))
    assert thumb.size == (400, 800)
    assert not thumb.getexif()  # no metadata (GPS...) travels into reports
