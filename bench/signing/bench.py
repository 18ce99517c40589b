"""Signing figures, one command:  bench/signing/run.sh   (or .venv/bin/python bench/signing/bench.py)

The 200-photo compliance pack (tests/reports/samples.pack_sample: 800 px JPEG copies embedded, as the worker
embeds the thumbnails made at confirmation) rendered REPEAT times in one process, each render then signed
(reports/signing.py, PAdES B-B, ECDSA P-256) and verified (reports/verify_pack.py, as offline); so "with" and
"without" the signature are the same data in the same run, interleaved. Baseline: the render without signing.

The photo archive: PHOTOS original JPEGs (1600x1200, on local storage) streamed into the signed ZIP
(reports/archive.py: SHA-256 of each, the manifest, its CMS signature) and verified offline; baseline: Python's
zipfile writing the same files from disk into a stored ZIP, nothing hashed or signed.

Writes bench/RESULTS-signing.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
PHOTOS = int(os.environ.get("BENCH_PHOTOS", "200"))


def setup(var: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
    os.environ["STORAGE_BACKEND"] = "local"
    os.environ.pop("CI", None)
    os.environ["TOUCHPOINT_VAR_DIR"] = str(var)
    os.environ["MEDIA_ROOT"] = str(var / "media")
    import django

    django.setup()


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - t, value


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def bench_pack() -> dict:
    from reports import signing
    from reports.rendering import render_compliance_pack
    from reports.rendering.common import DocumentMeta
    from reports.verify_pack import verify_pdf
    from tests.reports.samples import pack_sample

    pack = pack_sample(photos=PHOTOS, thumbnail_size=(800, 600), photo_like=True)
    meta = DocumentMeta("compliance pack", "Site A1", pack.date_from, pack.date_to, run_id="bench",
                        generated_at=dt.datetime.now(dt.UTC))
    creds = signing.credentials()
    render_compliance_pack(pack, meta=meta)  # warm: fonts, imports
    renders, signs, verifies, sizes = [], [], [], []
    for _ in range(REPEAT):
        seconds, pdf = timed(lambda: render_compliance_pack(pack, meta=meta))
        renders.append(seconds)
        seconds, signed = timed(signing.sign_pdf, pdf, run_id="bench", creds=creds)
        signs.append(seconds)
        seconds, verdict = timed(verify_pdf, signed, [creds.cert])
        assert verdict.valid, verdict.problems
        verifies.append(seconds)
        sizes.append((len(pdf), len(signed)))
    return {"render": renders, "sign": signs, "verify": verifies, "sizes": sizes[-1],
            "with": [r + s for r, s in zip(renders, signs, strict=True)]}


def bench_archive(var: Path) -> dict:
    import hashlib

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from reports.archive import Original, write_archive
    from reports.verify_pack import load_certificates, verify_archive
    from tests.reports.samples import jpeg

    originals, files = [], []
    day = dt.date(2026, 10, 1)
    for i in range(PHOTOS):
        body = jpeg(1600, 1200, seed=i, photo_like=True)
        key = default_storage.save(f"evidence/bench-{i}.jpg", ContentFile(body))
        files.append(Path(default_storage.path(key)))
        originals.append(Original(f"{i:08d}-0000-0000-0000-000000000000", day + dt.timedelta(days=i % 30),
                                  f"crit_{i % 10}", "verified", key, hashlib.sha256(body).hexdigest(), len(body)))
    total = sum(o.size for o in originals)
    # The verifier reads the certificate as a court's expert would: the PEM file, not the server's settings.
    certs = load_certificates(Path(settings.PACK_SIGNING_CERT).read_bytes())
    made, checked, plain, size = [], [], [], 0
    for _ in range(REPEAT):
        with tempfile.TemporaryFile() as dest:
            seconds, stored = timed(lambda: write_archive(
                dest, originals=originals, withheld=0, run_id="bench", site_code="A1", date_from=day,
                date_to=day + dt.timedelta(days=29), pack_sha256="0" * 64, pack_filename="pack.pdf"))
            made.append(seconds)
            size = stored.size
            path = var / "archive.zip"
            path.write_bytes(dest.read())
        seconds, verdict = timed(verify_archive, path, certs)
        assert verdict.valid, verdict.problems
        checked.append(seconds)

        def baseline():
            with tempfile.TemporaryFile() as out, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
                for f in files:
                    zf.write(f, f.name)
        plain.append(timed(baseline)[0])
    return {"make": made, "verify": checked, "plain": plain, "size": size, "photo_bytes": total}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        setup(var)
        pack = bench_pack()
        archive = bench_archive(var)
    write(pack, archive)


def write(pack: dict, archive: dict) -> None:
    med = statistics.median
    render, with_sig, sign = med(pack["render"]), med(pack["with"]), med(pack["sign"])
    unsigned, signed = pack["sizes"]
    lines = [
        "## Signing",
        "",
        f"`bench/signing/run.sh`, {REPEAT} runs each, interleaved in one process; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared with other work: medians, with the spread). PAdES B-B, ECDSA P-256, pyHanko.",
        "",
        f"### The {PHOTOS}-photo compliance pack, with and without its signature",
        "",
        "| figure | median (min, max) | ratio to the render without signing |",
        "| --- | --- | --- |",
        f"| render, unsigned (baseline) | {spread(pack['render'])} | 1.00 |",
        f"| render + sign | {spread(pack['with'])} | {with_sig / render:.3f} |",
        f"| signing alone | {spread(pack['sign'])} | {sign / render:.3f} |",
        f"| offline verification (`verify_pdf`) | {spread(pack['verify'])} | {med(pack['verify']) / render:.3f} |",
        "",
        f"Size: {unsigned:,} bytes unsigned, {signed:,} signed (+{signed - unsigned:,}: the signature's reserved "
        "/Contents and its incremental update). Signing hashes the whole file once, so its cost grows with the "
        "file's size, not its pages.",
        "",
        f"### The photo archive: {PHOTOS} original photos ({archive['photo_bytes'] / 1e6:.1f} MB)",
        "",
        "| figure | median (min, max) | ratio to a plain stored ZIP of the same files |",
        "| --- | --- | --- |",
        f"| plain `zipfile`, from disk (baseline) | {spread(archive['plain'])} | 1.00 |",
        f"| signed archive (`write_archive`: stream, hash, manifest, CMS signature) | {spread(archive['make'])} | "
        f"{med(archive['make']) / med(archive['plain']):.2f} |",
        f"| offline verification (`verify_archive`: signature, every photo's SHA-256) | {spread(archive['verify'])} | "
        f"{med(archive['verify']) / med(archive['plain']):.2f} |",
        "",
        f"Archive size: {archive['size']:,} bytes ({archive['size'] / archive['photo_bytes']:.4f} of the photos' bytes: "
        "stored, not compressed; JPEGs do not shrink).",
        "",
    ]
    (ROOT / "bench" / "RESULTS-signing.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
