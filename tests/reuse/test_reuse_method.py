"""The reuse method (``consistency.services.reuse``) on a small labelled set (``consistency.reuse_set``): each kind of
reuse reaches the candidate stage through a shared band value and is confirmed by ``compare``, named for what was
done; each kind of not-reuse is not flagged. Pure image code: no database. bench/reuse_accuracy measures the rates
on 450 pairs; these tests fail if the method regresses on any kind."""

from __future__ import annotations

import io
import re
import tracemalloc

import pytest
from PIL import Image, ImageDraw

from consistency import reuse_set
from consistency.services import images, reuse
from consistency.services.reuse import views

SEED = 7
PER_KIND = 2


@pytest.fixture(scope="module")
def labelled():
    """Every pair of the small set, as confirmations see it: the upright 800 px report copy and its fingerprint."""
    out = []
    for pair in reuse_set.pairs(seed=SEED, per_kind=PER_KIND):
        both = []
        for data in (pair.first, pair.second):
            facts = images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg")
            copy = Image.open(io.BytesIO(facts.thumbnail))
            copy.load()
            both.append((copy, facts.fingerprint))
        out.append((pair, *both))
    return out


def _shares_a_band(new_fp: reuse.Fingerprint, old_fp: reuse.Fingerprint) -> bool:
    stored = {band for key in old_fp.keys for band in reuse.band_keys(key)}
    return any(band in stored for probe in new_fp.probes for band in reuse.band_keys(probe))


NAMED = {"re-encoded": {"re-encoded"}, "resized": {"re-encoded"}, "cropped": {"cropped"}, "rotated": {"rotated"},
         "mirrored": {"mirrored"}, "adjusted": {"adjusted"}, "screenshot": {"screenshot"}}


@pytest.mark.parametrize("kind", reuse_set.REUSE_KINDS)
def test_each_kind_of_reuse_is_found_by_the_index_and_confirmed(labelled, kind):
    pairs = [p for p in labelled if p[0].kind == kind]
    assert len(pairs) == PER_KIND
    for pair, (old, old_fp), (new, new_fp) in pairs:
        assert _shares_a_band(new_fp, old_fp), f"{kind} ({pair.note}): no probe shares a band with a stored key"
        match = reuse.compare(new, old)
        assert match is not None, f"{kind} ({pair.note}): not confirmed"
        assert match.kind in NAMED[kind], f"{kind} ({pair.note}) named {match.kind}: {match.detail}"
        assert 0.7 <= match.score <= 1 and match.detail


def test_most_crops_reach_the_candidate_stage():
    """A crop moves every view of the frame; only the views anchored on blobs survive it, and not always (a blob
    near the cut edge moves a little): bench/reuse_accuracy measures the rate. Six more crops, of another seed:
    five at least must share a band with their original."""
    found = []
    for pair in reuse_set.pairs(seed=11, per_kind=6, kinds=("cropped",)):
        old_fp, new_fp = (images.inspect_photo(io.BytesIO(d), declared_type="image/jpeg").fingerprint
                          for d in (pair.first, pair.second))
        found.append(_shares_a_band(new_fp, old_fp))
    assert sum(found) >= 5, found


@pytest.mark.parametrize("kind", reuse_set.NOT_REUSE_KINDS)
def test_no_kind_of_new_photo_is_flagged(labelled, kind):
    for pair, (old, _), (new, _) in (p for p in labelled if p[0].kind == kind):
        assert reuse.compare(new, old) is None, f"{kind} ({pair.note}) flagged"
        assert reuse.compare(old, new) is None, f"{kind} ({pair.note}) flagged the other way round"


def test_the_same_picture_is_identical_and_a_combination_is_named_by_its_strongest_change():
    pair = reuse_set.example("cropped+rotated", seed=SEED)
    old, new = (_report_copy(d) for d in (pair.first, pair.second))
    assert reuse.compare(old, old).kind == "identical"
    match = reuse.compare(new, old)
    assert match is not None and match.kind == "rotated" and "cropped" in match.detail, match


def test_the_flag_says_which_way_the_picture_was_turned_and_how_much_was_cropped():
    pair = reuse_set.example("cropped", seed=SEED)
    photo, cropped = (_report_copy(d) for d in (pair.first, pair.second))
    left, right, width, top, bottom, height = map(int, re.findall(r"\d+", pair.note))
    shown = (right - left) * (bottom - top) / (width * height)
    match = reuse.compare(cropped, photo)
    said = int(re.search(r"cropped to (\d+)% of the picture", match.detail).group(1))
    assert match.kind == "cropped" and abs(said - 100 * shown) <= 2, (pair.note, match.detail)
    for turn, words in ((Image.Transpose.ROTATE_90, "a quarter turn counter-clockwise"),
                        (Image.Transpose.ROTATE_270, "a quarter turn clockwise"),
                        (Image.Transpose.ROTATE_180, "upside down")):
        match = reuse.compare(photo.transpose(turn), photo)
        assert match.kind == "rotated" and f"turned {words}" in match.detail, (turn, match.detail)


def test_the_fingerprint_keeps_to_its_contract(labelled):
    for _, (_old, old_fp), (_new, new_fp) in labelled:
        for fp in (old_fp, new_fp):
            assert 1 <= len(fp.keys) <= 4 and 8 <= len(fp.probes) <= 48
            assert all(len(h) == reuse.HASH_BYTES for h in fp.keys + fp.probes)
            bands = reuse.band_keys(fp.keys[0])
            assert len(bands) == 256 // reuse.BAND_BITS and all(0 <= b < 2 ** 63 for b in bands)
            assert len({b >> reuse.BAND_BITS for b in bands}) == len(bands)  # position-tagged
    _, (old, _), _ = labelled[0]
    assert reuse.fingerprint(old) == reuse.fingerprint(old)
    a, b = labelled[0][1][1].keys[0], labelled[1][1][1].keys[0]
    assert reuse.distance(a, a) == 0 and reuse.distance(a, b) == reuse.distance(b, a) > 0


def test_the_probes_of_a_photo_hold_the_key_of_every_turn_and_mirror_of_it(labelled):
    _, (old, _), _ = labelled[0]
    probes = reuse.fingerprint(old).probes
    for turn in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270,
                 Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.TRANSPOSE):
        key = reuse.fingerprint(old.transpose(turn)).keys[0]
        assert min(reuse.distance(key, p) for p in probes) <= 4, turn


def test_a_screenshots_frame_is_found_and_an_ordinary_photo_kept_whole(labelled):
    photo = labelled[0][1][0]
    assert views.content_box(photo) == (0.0, 0.0, 1.0, 1.0)
    screen = Image.new("RGB", (400, 860), "black")
    screen.paste(photo.resize((400, 300)), (0, 280))
    ImageDraw.Draw(screen).text((20, 10), "9:41", fill="white")
    x0, y0, x1, y1 = views.content_box(screen)
    assert (x0, x1) == (0.0, 1.0) and abs(y0 - 280 / 860) < 0.01 and abs(y1 - 580 / 860) < 0.01


def test_the_fingerprint_holds_little_python_heap(labelled):
    """It runs in every confirmation, whose whole heap must stay under 1.5 MB."""
    _, (old, _), _ = labelled[0]
    reuse.fingerprint(old)
    tracemalloc.start()
    try:
        reuse.fingerprint(old)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 900_000, peak


def test_the_set_is_deterministic_and_keeps_to_its_limits():
    a, b = reuse_set.example("cropped", seed=3), reuse_set.example("cropped", seed=3)
    assert a == b and a.reuse and a.kind == "cropped"
    first, second = Image.open(io.BytesIO(a.first)), Image.open(io.BytesIO(a.second))
    assert first.size == (1600, 1200) or first.size == (1200, 1600)
    for got, was in zip(second.size, first.size, strict=True):
        assert 0.9 * was - 1 <= got < was
    assert not reuse_set.example("near-identical", seed=3).reuse
    with pytest.raises(ValueError, match="unknown kind"):
        reuse_set.example("photoshopped")


def _report_copy(data: bytes) -> Image.Image:
    facts = images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg")
    copy = Image.open(io.BytesIO(facts.thumbnail))
    copy.load()
    return copy
