"""A signed pack proves itself offline: ``python -m reports.verify_pack`` with only the franchise's certificate, in
a process without Django or a database. One changed byte (in the signed content, or in the signature itself), a
pack signed with another key, or bytes appended after the signature all fail it (exit 1); a usage error exits 2."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from reports import signing
from reports.verify_pack import verify_pdf

from .conftest import ROOT, offline

pytestmark = pytest.mark.django_db


def _ranges(pdf: bytes) -> tuple[tuple[int, int], tuple[int, int]]:
    """The signature's two signed byte ranges: [start, end) before and after its /Contents."""
    a, b, c, d = (int(n) for n in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf).groups())
    return (a, a + b), (c, c + d)


def _flip(pdf: bytes, at: int) -> bytes:
    """One byte changed, to another of its kind (a digit for a digit, a hex digit for a hex digit, a letter for a
    letter) so the file stays as readable as it can."""
    old = pdf[at:at + 1]
    new = {b"0": b"1"}.get(old) or (b"0" if old.isdigit() else b"A" if old in b"abcdefABCDEF" and old != b"A"
                                    else b"B" if old == b"A" else bytes([pdf[at] ^ 0x01]))
    assert new != old
    return pdf[:at] + new + pdf[at + 1:]


def test_the_pack_verifies_offline_without_django_or_a_database(issued, our_cert, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(issued.pdf)
    done = offline(pdf, "--cert", our_cert)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pack: VALID" in done.stdout
    assert "signed by: Organization: Touchpoint Test Franchise" in done.stdout
    assert "signing time: " in done.stdout
    assert f"location: Touchpoint run {issued.run.public_id}" in done.stdout
    assert "reason: Compliance pack issued by Touchpoint" in done.stdout
    assert "covers the whole file: yes" in done.stdout and "integrity intact: yes" in done.stdout
    assert "certificate is or chains to the one given: yes" in done.stdout
    # The stored fingerprint is the signed file's.
    assert f"sha256: {issued.run.pdf_sha256}" in done.stdout
    # As a command line, too: python -m reports.verify_pack.
    cli = subprocess.run([sys.executable, "-m", "reports.verify_pack", str(pdf), "--cert", str(our_cert), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert cli.returncode == 0, cli.stderr
    assert '"valid": true' in cli.stdout


@pytest.mark.parametrize("where", ["signed content", "signature", "after the signature", "first byte"])
def test_one_changed_byte_fails(issued, our_cert, tmp_path, where):
    pdf = issued.pdf
    (start, end), (after, last) = _ranges(pdf)
    at = {"signed content": start + (end - start) // 2,
          # inside /Contents <...>: a hex digit of the CMS signature (well inside it, not its zero padding)
          "signature": end + 200,
          "after the signature": after + (last - after) // 2,
          "first byte": 0}[where]
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(_flip(pdf, at))
    done = offline(changed, "--cert", our_cert)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Pack: NOT VALID" in done.stdout and "problem:" in done.stdout


def test_a_pack_signed_with_another_key_fails_against_our_certificate(issued, our_cert, stranger, tmp_path):
    creds, their_cert = stranger
    forged = signing.sign_pdf(_rendered(issued.pdf), run_id=str(issued.run.public_id), creds=creds)
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged)
    done = offline(path, "--cert", our_cert)
    assert done.returncode == 1, done.stdout
    assert "certificate is or chains to the one given: NO" in done.stdout
    assert "integrity intact: yes" in done.stdout  # a perfectly good signature, by someone else
    # Against its own signer's certificate the same file is valid: what failed was who signed it.
    assert offline(path, "--cert", their_cert).returncode == 0


def _rendered(pdf: bytes) -> bytes:
    """The PDF as rendered, before the signature's incremental update: its first revision."""
    first_eof = pdf.index(b"%%EOF") + len(b"%%EOF")
    return pdf[:first_eof] + b"\n"


def test_bytes_appended_after_signing_are_reported(issued, our_cert, tmp_path):
    writer = IncrementalPdfFileWriter(io.BytesIO(issued.pdf))
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else generic.DictionaryObject()
    info[generic.NameObject("/Title")] = generic.TextStringObject("A better pack")
    writer.set_info(info)
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "appended.pdf"
    path.write_bytes(out.getvalue())
    done = offline(path, "--cert", our_cert)
    assert done.returncode == 1, done.stdout
    assert "covers the whole file: NO" in done.stdout
    assert "integrity intact: yes" in done.stdout  # the signed revision itself is untouched ...
    assert "changed after it was signed" in done.stdout  # ... but the file is not what was signed


def test_the_verdict_in_process_is_the_same(issued, stranger):
    verdict = verify_pdf(issued.pdf, [signing.credentials().cert])
    assert verdict.valid and verdict.intact and verdict.trusted and verdict.covers_whole_file
    assert verdict.sha256 == issued.run.pdf_sha256
    assert not verify_pdf(issued.pdf, [stranger[0].cert]).valid
    # The rendered bytes without their signature: not valid, "no signature".
    unsigned = verify_pdf(_rendered(issued.pdf), [signing.credentials().cert])
    assert not unsigned.valid and unsigned.problems == ["the PDF carries no signature"]


def test_usage_errors_exit_2(our_cert, tmp_path):
    assert offline(tmp_path / "missing.pdf", "--cert", our_cert).returncode == 2
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert offline(pdf, "--cert", tmp_path / "no-cert.pem").returncode == 2
    not_a_cert = tmp_path / "junk.pem"
    not_a_cert.write_text("hello")
    assert offline(pdf, "--cert", not_a_cert).returncode == 2
    assert offline("--cert", our_cert).returncode == 2  # neither a PDF nor an archive
    assert offline(pdf).returncode == 2  # no certificate
    # Not a PDF at all is a verdict, not a usage error.
    done = offline(pdf, "--cert", our_cert)
    assert done.returncode == 1 and "NOT VALID" in done.stdout


def _issued_by_ca(tmp_path):
    """A franchise certificate issued by a CA of its own (as a real deployment's would be): the CA's PEM file and
    the franchise's signing credentials, the CA as their chain (PACK_SIGNING_CHAIN)."""
    import datetime as dt

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Franchise Root CA")])
    ca = (cx509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(cx509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(cx509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(cx509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                        data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                        crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (cx509.CertificateBuilder()
            .subject_name(cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "Chained Franchise Ltd")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(cx509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(cx509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(pem))
    key = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    creds = signing.Credentials(key=load_private_key_from_pemder_data(key, None),
                                cert=next(iter(load_certs_from_pemder_data(leaf.public_bytes(pem)))),
                                chain=tuple(load_certs_from_pemder_data(ca.public_bytes(pem))),
                                name="Chained Franchise Ltd")
    return ca_path, creds


def test_a_certificate_that_chains_to_the_one_given_verifies(issued, our_cert, tmp_path):
    ca_path, creds = _issued_by_ca(tmp_path)
    path = tmp_path / "chained.pdf"
    path.write_bytes(signing.sign_pdf(_rendered(issued.pdf), run_id=str(issued.run.public_id), creds=creds))
    done = offline(path, "--cert", ca_path)  # the verifier holds the CA only
    assert done.returncode == 0, done.stdout
    assert "signed by: Organization: Chained Franchise Ltd" in done.stdout
    assert offline(path, "--cert", our_cert).returncode == 1  # another root: not ours
