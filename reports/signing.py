"""Signing what Touchpoint issues with the franchise's key: the one place that reads the key and certificate.

- A compliance pack's PDF is signed PAdES B-B (pyHanko): an invisible signature every PDF reader lists in its
  signature panel, signed by the franchise, reason "Compliance pack issued by Touchpoint", the run's id as the
  signature's location. B-B and not B-T: a B-T signature needs a timestamp authority's answer at signing time,
  and the workers reach none (nor does this machine); the signing time is the worker's clock, inside the signed
  attributes. A TSA can be added later with pyHanko's HTTPTimeStamper without changing the verifier.
- A photo archive's manifest gets a detached CMS signature (``manifest.json.p7s``) made with the same key.

Configuration (backend/settings/base.py): PACK_SIGNING_KEY and PACK_SIGNING_CERT, each a path to a PEM file or
the PEM text itself (a Kubernetes Secret or an environment variable); PACK_SIGNING_CHAIN optionally the
intermediate certificates, embedded in each signature so a verifier holding only the root can chain to it.
``make run`` and the tests make a self-signed certificate under the var dir (reports/certificates.py).

Verification needs none of this module: reports/verify_pack.py runs without Django.
"""

from __future__ import annotations

import asyncio
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, keys, x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

REASON = "Compliance pack issued by Touchpoint"
REASONS = {"variance": "Variance report issued by Touchpoint"}  # the other PDFs' words; a pack's is REASON
FIELD_NAME = "TouchpointSignature"


class SigningNotConfigured(Exception):
    """No usable key and certificate: a pack cannot be issued unsigned."""


@dataclass(frozen=True)
class Credentials:
    key: keys.PrivateKeyInfo
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    name: str  # who signs: FRANCHISE_NAME, or the certificate's subject

    def signer(self) -> signers.SimpleSigner:
        return signers.SimpleSigner(signing_cert=self.cert, signing_key=self.key,
                                    cert_registry=SimpleCertificateStore.from_certs([self.cert, *self.chain]))


def pem_bytes(value: str, what: str) -> bytes:
    """A setting's PEM: the text itself when it holds a PEM block, else the file it names."""
    value = (value or "").strip()
    if not value:
        raise SigningNotConfigured(f"{what} is not set.")
    if value.startswith("-----BEGIN"):
        return value.encode() + b"\n"
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise SigningNotConfigured(f"{what}: cannot read {value}: {exc.strerror or exc}.") from None


@functools.lru_cache(maxsize=4)
def _load(key_value: str, cert_value: str, chain_value: str, password: str, name: str) -> Credentials:
    try:
        key = load_private_key_from_pemder_data(pem_bytes(key_value, "PACK_SIGNING_KEY"),
                                                passphrase=password.encode() or None)
    except SigningNotConfigured:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse error means the same: not a key we can use
        raise SigningNotConfigured(f"PACK_SIGNING_KEY is not a readable private key ({type(exc).__name__}: "
                                   f"{exc}).") from None
    certs = _certs(cert_value, "PACK_SIGNING_CERT")
    chain = tuple(_certs(chain_value, "PACK_SIGNING_CHAIN")) if chain_value.strip() else ()
    cert = certs[0]
    if not _same_public_key(key, cert):
        raise SigningNotConfigured("PACK_SIGNING_KEY is not the key of PACK_SIGNING_CERT (their public keys differ).")
    return Credentials(key=key, cert=cert, chain=(*certs[1:], *chain), name=name.strip() or subject_name(cert))


def _certs(value: str, what: str) -> list[x509.Certificate]:
    try:
        certs = list(load_certs_from_pemder_data(pem_bytes(value, what)))
    except SigningNotConfigured:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SigningNotConfigured(f"{what} is not a readable certificate ({type(exc).__name__}: {exc}).") from None
    if not certs:
        raise SigningNotConfigured(f"{what} holds no certificate.")
    return certs


def _same_public_key(key: keys.PrivateKeyInfo, cert: x509.Certificate) -> bool:
    private = serialization.load_der_private_key(key.dump(), password=None)
    public = serialization.load_der_public_key(cert.public_key.dump())
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.public_key().public_bytes(*fmt) == public.public_bytes(*fmt)


def subject_name(cert: x509.Certificate) -> str:
    """The certificate's organisation, or its common name, or its whole subject."""
    native = cert.subject.native
    return native.get("organization_name") or native.get("common_name") or cert.subject.human_friendly


def credentials() -> Credentials:
    """The configured key and certificate, read and checked once per process (per distinct setting)."""
    return _load(settings.PACK_SIGNING_KEY, settings.PACK_SIGNING_CERT, settings.PACK_SIGNING_CHAIN,
                 settings.PACK_SIGNING_KEY_PASSWORD, settings.FRANCHISE_NAME)


def configuration_problem() -> str | None:
    """Why packs cannot be signed with the configuration, or None (reports/checks.py asks)."""
    try:
        credentials()
    except SigningNotConfigured as exc:
        return str(exc)
    return None


def sign_pdf(pdf: bytes, *, run_id: str, kind: str = "compliance_pack", creds: Credentials | None = None) -> bytes:
    """``pdf`` signed PAdES B-B by the franchise: an incremental update adding the signature, so the bytes
    before it are the rendered PDF's. The run's id is the signature's location, read by any PDF reader."""
    creds = creds or credentials()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASONS.get(kind, REASON), name=creds.name, location=f"Touchpoint run {run_id}", contact_info=creds.name)
    signed = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=creds.signer())
    return signed.getvalue()


def sign_detached(data: bytes, *, creds: Credentials | None = None) -> bytes:
    """A detached CMS (PKCS#7) signature over ``data`` (DER), with the signer's certificate embedded: what
    ``openssl cms -verify -binary -inform DER -content FILE`` and reports/verify_pack.py check."""
    creds = creds or credentials()
    signed: cms.ContentInfo = asyncio.run(creds.signer().async_sign_general_data(data, "sha256", detached=True))
    return signed.dump()
