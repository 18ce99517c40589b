"""Offline verification of a compliance pack and its photo archive, with only the franchise's public certificate.

    python -m reports.verify_pack PACK.pdf --cert franchise.pem
    python -m reports.verify_pack --archive PHOTOS.zip --cert franchise.pem [PACK.pdf]

No Django, no settings, no database, no network: pyHanko and the certificate given. A pack handed to a court
years later proves itself with this file and the certificate (``manage.py verify_pack --cert`` is the same code).

What it says about a pack: who signed it and when (the signing time the signer recorded), whether the signature
covers the whole file (nothing appended after it: an incremental update after signing is reported and fails),
whether the signed bytes are intact, and whether the signer's certificate is, or chains to, the one given.
About an archive: whether ``manifest.json.p7s`` is a valid signature over ``manifest.json`` by that certificate,
and whether every photo in the ZIP has the SHA-256 and size the manifest lists (and nothing else is in it).

Exit status: 0 valid, 1 invalid, 2 usage error (a file that cannot be read, no certificate).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import logging
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from asn1crypto import cms, x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

MANIFEST, MANIFEST_SIGNATURE = "manifest.json", "manifest.json.p7s"
EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


@dataclass
class Verdict:
    valid: bool = False
    signed_by: str | None = None
    signing_time: str | None = None
    covers_whole_file: bool | None = None
    intact: bool | None = None
    trusted: bool | None = None
    reason: str | None = None
    location: str | None = None
    sha256: str | None = None
    problems: list[str] = field(default_factory=list)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM or DER file: the franchise's own, or the CA it chains to."""
    try:
        certs = list(load_certs_from_pemder_data(data))
    except Exception as exc:  # noqa: BLE001 - any parse error: not a certificate
        raise UsageError(f"--cert is not a certificate ({type(exc).__name__}: {exc})") from None
    if not certs:
        raise UsageError("--cert holds no certificate")
    return certs


def _context(certs: list[x509.Certificate]) -> ValidationContext:
    # Offline: nothing fetched; a self-signed franchise certificate has no revocation service to ask.
    return ValidationContext(trust_roots=certs, allow_fetching=False, revocation_mode="soft-fail")


def _who(cert: x509.Certificate | None) -> str | None:
    return cert.subject.human_friendly if cert is not None else None


def verify_pdf(data: bytes, certs: list[x509.Certificate]) -> Verdict:
    """The PDF's last signature, checked against ``certs``. Never raises for a bad file: that is a verdict."""
    verdict = Verdict(sha256=hashlib.sha256(data).hexdigest())
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - a damaged file: the signature cannot even be found
        verdict.problems.append(f"the file is not a readable PDF ({type(exc).__name__}: {exc})")
        return verdict
    if not signatures:
        verdict.problems.append("the PDF carries no signature")
        return verdict
    if len(signatures) > 1:
        verdict.problems.append(f"the PDF carries {len(signatures)} signatures; Touchpoint signs once")
    sig = signatures[-1]
    try:
        details = sig.sig_object
        verdict.reason = _text(details.get("/Reason"))
        verdict.location = _text(details.get("/Location"))
        status = validate_pdf_signature(sig, signer_validation_context=_context(certs))
    except Exception as exc:  # noqa: BLE001 - pyHanko raises various errors on mangled signature bytes
        verdict.problems.append(f"the signature cannot be checked ({type(exc).__name__}: {exc})")
        return verdict
    verdict.signed_by = _who(status.signing_cert)
    verdict.signing_time = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    verdict.intact = bool(status.intact and status.valid)
    verdict.trusted = bool(status.trusted)
    verdict.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not verdict.intact:
        verdict.problems.append("the signed bytes were changed: the signature does not match them")
    if not verdict.trusted:
        verdict.problems.append("the signer's certificate is not, and does not chain to, the certificate given")
    if not verdict.covers_whole_file:
        verdict.problems.append("the file was changed after it was signed (bytes were appended after the "
                                "signature: an incremental update); the signed revision is not the whole file")
    if verdict.intact:
        try:
            verdict.problems.extend(_unsigned_parts_changed(bytes(sig.sig_object["/Contents"]), certs))
        except Exception as exc:  # noqa: BLE001 - a mangled encoding pyHanko tolerated
            verdict.problems.append(f"the signature's encoding was changed ({type(exc).__name__})")
    verdict.valid = not verdict.problems
    return verdict


def _unsigned_parts_changed(contents: bytes, certs: list[x509.Certificate]) -> list[str]:
    """What the cryptography alone lets through: the parts of /Contents no signature covers. The certificates a
    CMS signature carries are outside what it signs, and so is the zero padding after it; a changed byte there
    leaves the signature "valid". A Touchpoint pack is the exact file issued, so both are held to it: nothing but
    zeros after the signature's DER, and an embedded certificate with the key of one given must be that very
    certificate (one that merely chains to a given CA is checked by its issuer's signature already), and the
    SignedData's list of digest algorithms must name the one the signer used."""
    problems = []
    der = cms.ContentInfo.load(contents).dump()
    if contents[len(der):].strip(b"\x00"):
        problems.append("bytes after the signature (its padding) were changed")
    if cms.ContentInfo.load(contents).dump(force=True) != der:
        problems.append("the signature's encoding was changed (it is not the DER it was written as)")
    signed = cms.ContentInfo.load(contents)["content"]
    versions = [("v1" if info["sid"].name == "issuer_and_serial_number" else "v3", info["version"].native)
                for info in signed["signer_infos"]]
    plain = signed["encap_content_info"]["content_type"].native == "data"
    if any(expected != found for expected, found in versions) or signed["version"].native != (
            "v1" if plain and all(e == "v1" for e, _ in versions) else "v3"):
        problems.append("the signature's version numbers were changed (RFC 5652 says what they must be)")
    listed = {a.dump() for a in signed["digest_algorithms"]}
    if any(info["digest_algorithm"].dump() not in listed for info in signed["signer_infos"]):
        problems.append("the signature's list of digest algorithms was changed")
    by_key = {c.public_key.dump(): c.dump() for c in certs}
    by_serial = {(c.issuer.dump(), c.serial_number): c.dump() for c in certs}
    for embedded in signed["certificates"] or []:
        cert = embedded.chosen
        same = by_key.get(cert.public_key.dump()) or by_serial.get((cert.issuer.dump(), cert.serial_number))
        if same is not None and cert.dump() != same:
            problems.append("a certificate carried in the signature was changed: it names or holds the key of the "
                            "certificate given, but is not its bytes")
    return problems


def _text(value) -> str | None:
    return str(value) if value is not None else None


def verify_signed_data(data: bytes, signature: bytes, certs: list[x509.Certificate]) -> Verdict:
    """A detached CMS signature over ``data`` (the manifest), checked against ``certs``."""
    verdict = Verdict(sha256=hashlib.sha256(data).hexdigest(), covers_whole_file=True)
    try:
        signed = cms.ContentInfo.load(signature)["content"]
        status = asyncio.run(async_validate_detached_cms(data, signed, signer_validation_context=_context(certs)))
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign signature file
        verdict.problems.append(f"{MANIFEST_SIGNATURE} cannot be checked ({type(exc).__name__}: {exc})")
        return verdict
    verdict.signed_by = _who(status.signing_cert)
    verdict.signing_time = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    verdict.intact, verdict.trusted = bool(status.intact and status.valid), bool(status.trusted)
    if not verdict.intact:
        verdict.problems.append(f"{MANIFEST} was changed: its signature does not match it")
    else:
        try:
            verdict.problems.extend(_unsigned_parts_changed(signature, certs))
        except Exception as exc:  # noqa: BLE001
            verdict.problems.append(f"{MANIFEST_SIGNATURE}'s encoding was changed ({type(exc).__name__})")
    if not verdict.trusted:
        verdict.problems.append(f"{MANIFEST} is signed by a certificate that is not, and does not chain to, the "
                                "certificate given")
    verdict.valid = not verdict.problems
    return verdict


def verify_archive(path: Path, certs: list[x509.Certificate], *, pack_sha256: str | None = None) -> Verdict:
    """The archive's manifest signature, then every photo's SHA-256 and size, read in chunks (memory stays flat
    however large the photos)."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return Verdict(problems=[f"the archive is not a readable ZIP ({exc})"])
    with archive:
        names = set(archive.namelist())
        missing = [n for n in (MANIFEST, MANIFEST_SIGNATURE) if n not in names]
        if missing:
            return Verdict(problems=[f"the archive has no {' or '.join(missing)}"])
        manifest_bytes = archive.read(MANIFEST)
        verdict = verify_signed_data(manifest_bytes, archive.read(MANIFEST_SIGNATURE), certs)
        try:
            manifest = json.loads(manifest_bytes)
            photos = manifest["photos"]
        except (ValueError, KeyError, TypeError) as exc:
            verdict.problems.append(f"{MANIFEST} is not a Touchpoint manifest ({exc})")
            verdict.valid = False
            return verdict
        listed = set()
        for photo in photos:
            name = photo.get("file")
            listed.add(name)
            if name not in names:
                verdict.problems.append(f"{name}: listed in the manifest but not in the archive")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(name) as fh:
                while chunk := fh.read(1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
            if digest.hexdigest() != photo.get("sha256"):
                verdict.problems.append(f"{name}: its SHA-256 is {digest.hexdigest()}, the manifest says "
                                        f"{photo.get('sha256')}")
            elif size != photo.get("size"):
                verdict.problems.append(f"{name}: {size} bytes, the manifest says {photo.get('size')}")
        for extra in sorted(names - listed - {MANIFEST, MANIFEST_SIGNATURE}):
            verdict.problems.append(f"{extra}: in the archive but not in the manifest")
        pack = (manifest.get("pack") or {}).get("sha256")
        if pack_sha256 is not None and pack != pack_sha256:
            verdict.problems.append(f"the manifest is for the pack with SHA-256 {pack}, not this one ({pack_sha256})")
        verdict.reason = f"{len(photos)} photos, pack {pack}, run {manifest.get('run')}"
        verdict.valid = not verdict.problems
    return verdict


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def verify(*, pdf: str | None, archive: str | None, cert: str) -> dict:
    """Both checks asked for, as one answer: {"valid", "pack", "archive"}. Raises UsageError."""
    if not pdf and not archive:
        raise UsageError("give a PDF to verify, or --archive ZIP, or both")
    certs = load_certificates(_read(cert, "the certificate"))
    answer: dict = {"pack": None, "archive": None}
    pack = None
    if pdf:
        pack = verify_pdf(_read(pdf, "the PDF"), certs)
        answer["pack"] = asdict(pack)
    if archive:
        if not Path(archive).is_file():
            raise UsageError(f"cannot read the archive {archive}: no such file")
        answer["archive"] = asdict(verify_archive(Path(archive), certs, pack_sha256=pack.sha256 if pack else None))
    answer["valid"] = all(part["valid"] for part in (answer["pack"], answer["archive"]) if part is not None)
    return answer


def describe(answer: dict) -> str:
    """The answer for a person reading a terminal."""
    lines = []
    for what, part in (("Pack", answer["pack"]), ("Photo archive", answer["archive"])):
        if part is None:
            continue
        lines.append(f"{what}: {'VALID' if part['valid'] else 'NOT VALID'}")
        for label, key in (("signed by", "signed_by"), ("signing time", "signing_time"), ("reason", "reason"),
                           ("location", "location"), ("sha256", "sha256")):
            if part.get(key):
                lines.append(f"  {label}: {part[key]}")
        for label, key in (("covers the whole file", "covers_whole_file"), ("integrity intact", "intact"),
                           ("certificate is or chains to the one given", "trusted")):
            if part.get(key) is not None:
                lines.append(f"  {label}: {'yes' if part[key] else 'NO'}")
        lines.extend(f"  problem: {p}" for p in part["problems"])
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports.verify_pack", description=__doc__.split("\n\n")[0])
    p.add_argument("pdf", nargs="?", help="the compliance pack (PDF) to verify")
    p.add_argument("--cert", required=True, help="the franchise's public certificate (PEM or DER), or its CA's")
    p.add_argument("--archive", help="a photo archive (ZIP) to verify; with the PDF, it must be that pack's")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    return p


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = parser().parse_args(argv)  # argparse exits 2 on a usage error of its own
    # pyHanko logs each failed check with a traceback; the verdict below says what failed, in words.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        answer = verify(pdf=args.pdf, archive=args.archive, cert=args.cert)
    except UsageError as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out.write((json.dumps(answer, indent=2) if args.json else describe(answer)) + "\n")
    return EXIT_VALID if answer["valid"] else EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
