"""HEIC and HEIF photos through the image checks on their own: accepted as a phone makes them (capture time, upright
report copy, tiles), refused as JPEGs and PNGs are when they are not honest photos (polyglots, truncated files,
bombs, another type than declared)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from consistency.services import images

from ..consistency.evidence_factories import photo
from .heic_factories import (
    box,
    heic,
    html_named_heic,
    inside_mdat,
    marked,
    with_brands,
    with_grid_canvas,
    with_ispe,
)


def inspect(data: bytes, declared="image/heic", **kwargs):
    return images.inspect_photo(io.BytesIO(data), declared_type=declared, **kwargs)


def refused(data: bytes, declared="image/heic", **kwargs) -> str:
    with pytest.raises(images.NotAcceptable) as caught:
        inspect(data, declared, **kwargs)
    return str(caught.value)


def corner_colours(thumbnail: bytes) -> dict[str, tuple]:
    im = Image.open(io.BytesIO(thumbnail))
    w, h = im.size
    return {"top-left": im.getpixel((3, 3)), "top-right": im.getpixel((w - 4, 3)),
            "bottom-left": im.getpixel((3, h - 4)), "bottom-right": im.getpixel((w - 4, h - 4))}


def red_corner(thumbnail: bytes) -> str:
    reds = [where for where, (r, g, b) in corner_colours(thumbnail).items() if r > 200 and g < 60 and b < 60]
    assert len(reds) == 1, corner_colours(thumbnail)
    return reds[0]


def test_a_heic_from_a_phone_is_accepted_with_its_capture_time_and_an_upright_jpeg_report_copy():
    facts = inspect(heic(seed=1, size=(1600, 1200), captured="2026:03:10 08:15:00", offset="+13:00"))
    assert (facts.content_type, facts.width, facts.height) == ("image/heic", 1600, 1200)
    assert str(facts.captured_local) == "2026-03-10 08:15:00" and str(facts.captured_offset) == "13:00:00"
    assert len(facts.phash) == 16 and facts.fingerprint is not None
    thumb = Image.open(io.BytesIO(facts.thumbnail))
    assert thumb.format == "JPEG" and thumb.size == (800, 600) and not thumb.getexif()
    assert red_corner(facts.thumbnail) == "top-left"


def test_the_same_picture_as_heic_and_as_jpeg_hashes_alike():
    """Reuse detection sees a photo, not a format: a HEIC and a JPEG of one picture are within 3 bits."""
    im = marked((1200, 900), seed=4)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    as_heic, as_jpeg = inspect(heic(image=im)), inspect(out.getvalue(), "image/jpeg")
    assert bin(int(as_heic.phash, 16) ^ int(as_jpeg.phash, 16)).count("1") <= 3


@pytest.mark.parametrize("orientation, corner, size", [
    (1, "top-left", (800, 600)), (6, "top-right", (600, 800)), (3, "bottom-right", (800, 600)),
    (8, "bottom-left", (600, 800)), (2, "top-right", (800, 600)),
])
def test_a_rotated_or_mirrored_heic_is_turned_upright_exactly_once(orientation, corner, size):
    """A HEIC carries its rotation as a transform of the image (irot/imir), which libheif applies, and (from an
    iPhone) the EXIF orientation too: applying both would turn it twice."""
    facts = inspect(heic(seed=2, size=(800, 600), orientation=orientation))
    assert (facts.width, facts.height) == size
    assert Image.open(io.BytesIO(facts.thumbnail)).size == size
    assert red_corner(facts.thumbnail) == corner


def test_a_tiled_heic_as_an_iphone_writes_it_is_accepted():
    data = heic(seed=3, size=(1000, 700), tile=256, captured="2026:03:10 09:00:00")
    assert b"grid" in data and data.count(b"hvc1") > 4  # 4 x 3 tiles assembled by a grid
    facts = inspect(data)
    assert (facts.width, facts.height) == (1000, 700) and red_corner(facts.thumbnail) == "top-left"


def test_a_heif_brand_and_either_name_are_accepted():
    data = heic(seed=5)
    generic = with_brands(data, b"mif1", b"mif1", b"miaf", b"MiHB")
    assert images.sniff(generic[:256]) == "image/heif" and images.sniff(data[:256]) == "image/heic"
    assert inspect(generic, "image/heif").content_type == "image/heif"
    # One container, two names: phones name the same file either way; the name declared is the one kept.
    assert inspect(generic, "image/heic").content_type == "image/heic"
    assert inspect(data, "image/heif").content_type == "image/heif"


def test_metadata_that_is_not_markup_and_a_binary_trailer_are_not_a_polyglot():
    xmp = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
           b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>'
           b'</x:xmpmeta><?xpacket end="w"?>')
    data = heic(seed=6, xmp=xmp, description="Restroom, 08:10, checked by Sam <sam at example.com>")
    inspect(data)
    inspect(data + bytes(range(256)) * 40)
    inspect(data + box(b"free", bytes(1000)))


MARKUP = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize("case", ["exif", "xmp", "free box", "inside mdat", "after the last box"])
def test_markup_anywhere_but_the_coded_image_is_refused_as_a_polyglot(case):
    data = {
        "exif": lambda: heic(seed=7, description=MARKUP.decode()),
        "xmp": lambda: heic(seed=7, xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + MARKUP + b"</x:xmpmeta>"),
        "free box": lambda: heic(seed=7) + box(b"free", MARKUP),
        "inside mdat": lambda: inside_mdat(heic(seed=7), MARKUP),
        "after the last box": lambda: heic(seed=7) + MARKUP,
    }[case]()
    message = refused(data)
    assert "HTML or script markup" in message and "polyglot" in message
    where = "data after its last box" if case == "after the last box" else "its metadata"
    assert where in message


def test_a_heic_named_html_file_is_refused():
    assert "not a JPEG, PNG or HEIC image" in refused(html_named_heic())
    assert "not a JPEG, PNG or HEIC image" in refused(b"<html>" + heic(seed=8))  # bytes before the signature


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.05])
def test_a_truncated_heic_is_refused(cut):
    data = heic(seed=9, size=(800, 600))
    assert "truncated" in refused(data[:int(len(data) * cut)])


def test_another_type_than_declared_is_refused():
    assert refused(photo(seed=10)) == "The file is a JPEG image but image/heic was declared."
    assert refused(heic(seed=10), "image/jpeg") == "The file is a HEIC image but image/jpeg was declared."
    assert refused(photo(seed=10, fmt="PNG"), "image/heif") == "The file is a PNG image but image/heif was declared."


def test_avif_is_refused_by_name():
    avif = with_brands(heic(seed=11), b"avif", b"avif", b"mif1", b"miaf")
    assert images.sniff(avif[:256]) == "image/avif"
    assert refused(avif) == "The file is an AVIF image, which is not accepted; send the photo as a JPEG, PNG or HEIC."


@pytest.fixture
def nothing_decoded(monkeypatch):
    """Opening the image (libheif parsing it, then decoding) fails the test: a refusal must come before."""
    def never(*args, **kwargs):
        raise AssertionError("the image was opened")

    monkeypatch.setattr(images, "_open", never)


def test_a_heic_declaring_50000_by_50000_pixels_is_refused_before_anything_decodes_it(nothing_decoded):
    message = refused(with_ispe(heic(seed=12, size=(64, 64)), 50_000, 50_000))
    assert message.startswith("The image is 50000 x 50000 pixels, over the limit of 25,000,000 pixels for a HEIC")


def test_a_grid_assembling_its_tiles_on_a_huge_canvas_is_refused_before_decoding(nothing_decoded):
    data = heic(seed=13, size=(256, 192), tile=64)
    assert "60000 x 60000 pixels, over the limit" in refused(with_grid_canvas(data, 60_000, 60_000))


def test_the_heic_pixel_limit_is_a_setting(settings):
    settings.MAX_HEIC_PIXELS = 100 * 100
    inspect(heic(seed=14, size=(100, 100)))
    assert "200 x 100 pixels, over the limit of 10,000 pixels for a HEIC" in refused(heic(seed=14, size=(200, 100)))
    inspect(photo(seed=14, size=(200, 200)), "image/jpeg")  # a JPEG keeps its own limit


def test_a_corrupt_structure_is_refused():
    data = bytearray(heic(seed=15))
    meta_size = int.from_bytes(data[28:32], "big")
    data[28:32] = (meta_size + 10_000_000).to_bytes(4, "big")  # the meta box claims to run past the file
    assert "truncated" in refused(bytes(data))
    data = bytearray(heic(seed=15))
    data[28:32] = (4).to_bytes(4, "big")  # shorter than its own header
    assert "corrupt" in refused(bytes(data))


def test_a_multipart_part_without_a_type_is_taken_by_its_name():
    assert images.part_type("application/octet-stream", "IMG_0001.HEIC") == "image/heic"
    assert images.part_type("", "photo.heif") == "image/heif"
    assert images.part_type("image/heic", "photo.jpg") == "image/heic"  # the browser's type, when it gave one
    assert images.part_type("application/octet-stream", "notes") == "application/octet-stream"
    assert images.part_type("text/html", "page.heic") == "text/html"
