"""The franchise's self-signed signing certificate for ``make run``, ``make stack`` and the tests.

Production signs with a key and certificate from configuration (reports/signing.py reads PACK_SIGNING_KEY and
PACK_SIGNING_CERT); a laptop has none, so one is made here, once, under the var dir, and reused from then on:
packs signed yesterday still verify against today's certificate. Plain ``cryptography``, no Django: the test
settings call this while they are being read, before Django is set up.

ECDSA P-256: the key is made in a millisecond (RSA-3072 takes about a second, on every fresh test run), and
every PDF reader that checks signatures (poppler's pdfsig, Acrobat, pyHanko) verifies ECDSA.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

KEY_FILE, CERT_FILE = "franchise-signing-key.pem", "franchise-signing-cert.pem"
VALID_DAYS = 10 * 365  # a laptop's certificate outlives every pack signed with it


def make_certificate(name: str, *, days: int = VALID_DAYS) -> tuple[bytes, bytes]:
    """A new key and a self-signed certificate for ``name`` (the franchise): (key PEM, certificate PEM).
    keyUsage digitalSignature + nonRepudiation, as a document-signing certificate has (pyHanko's validator
    checks non-repudiation by default)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64])])
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # a clock a little behind still sees it valid
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def ensure_certificate(directory: Path | str, name: str) -> tuple[Path, Path, bool]:
    """The key and certificate files under ``directory``, made once: (key path, cert path, made now).

    Made under an exclusive lock and written whole before being renamed into place, so parallel test
    processes starting at once agree on one pair, and a process killed mid-write leaves no half a key."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    with open(directory / ".signing.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key_path.exists() and cert_path.exists():
            return key_path, cert_path, False
        key_pem, cert_pem = make_certificate(name)
        for path, data, mode in ((key_path, key_pem, 0o600), (cert_path, cert_pem, 0o644)):
            partial = path.with_suffix(".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(partial, path)
    return key_path, cert_path, True
