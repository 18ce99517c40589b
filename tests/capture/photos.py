"""Photos for the capture checks' tests: photo-like scenes (texture, objects, text, light falling off), made
blurred, shaken or dark, with the EXIF a phone or an editor writes (capture time, Software, GPS), and signed with
C2PA content credentials by a certificate chain made here (a root and a signing certificate, ES256)."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageFilter


def scene(seed: int = 0, size=(1200, 900)) -> Image.Image:
    """A photo-like picture: a textured wall with objects and small print, lit from one side."""
    rng, npr = random.Random(seed), np.random.default_rng(seed)
    w, h = size
    blotch = np.asarray(Image.fromarray(npr.integers(0, 255, (max(2, h // 40), max(2, w // 40)), dtype=np.uint8))
                        .resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)[..., None]
    base = np.array([rng.randrange(80, 190) for _ in range(3)], dtype=np.float32)
    im = Image.fromarray(np.clip(base + (blotch - 128) * 0.25 + npr.normal(0, 6, (h, w, 1)), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(10):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = [x0, y0, min(w, x0 + rng.randrange(w // 10, w // 3)), min(h, y0 + rng.randrange(h // 10, h // 3))]
        (draw.ellipse if rng.random() < 0.4 else draw.rectangle)(
            box, fill=tuple(rng.randrange(256) for _ in range(3)), outline=(20, 20, 20), width=3)
    for _ in range(3):
        x0, y0 = rng.randrange(w - 300), rng.randrange(h - 150)
        for line in range(5):
            draw.text((x0, y0 + line * 18), "".join(rng.choice("ABCDEF abcdef 0123") for _ in range(24)), fill=(10, 10, 10))
    ramp = np.linspace(1.1, 0.8, w, dtype=np.float32)[None, :, None]
    return Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) * ramp, 0, 255).astype(np.uint8))


def blurred(im: Image.Image, sigma: float = 6) -> Image.Image:
    return im.filter(ImageFilter.GaussianBlur(sigma))


def dark(im: Image.Image, factor: float = 0.15) -> Image.Image:
    noise = np.random.default_rng(1).normal(0, 3, (im.height, im.width, 3))
    return Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) * factor + noise, 0, 255).astype(np.uint8))


def dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def jpeg(im: Image.Image, *, captured: str | None = None, offset: str | None = None, software: str | None = None,
         gps: tuple[float, float] | None = None, orientation: int | None = None, quality: int = 90) -> bytes:
    """``im`` as a JPEG with the EXIF a phone or an editor writes."""
    exif = Image.Exif()
    if software:
        exif[ExifTags.Base.Software] = software
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if captured:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = captured
        if offset:
            ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps:
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
        g[ExifTags.GPS.GPSLatitudeRef] = "S" if gps[0] < 0 else "N"
        g[ExifTags.GPS.GPSLatitude] = dms(gps[0])
        g[ExifTags.GPS.GPSLongitudeRef] = "W" if gps[1] < 0 else "E"
        g[ExifTags.GPS.GPSLongitude] = dms(gps[1])
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


@dataclass(frozen=True)
class Credentials:
    chain_pem: bytes  # the signing certificate, then the root's
    key_pem: bytes


@cache
def camera_credentials(common_name: str = "Test Camera") -> Credentials:
    """A root certificate and a signing certificate under it, ES256, with the extensions c2pa requires of a signer
    (digitalSignature, an extended key usage such as emailProtection, not a CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Camera Co")])

    def usage(*, sign: bool, ca: bool):
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    now = dt.datetime.now(dt.UTC)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name("Test Root CA")).issuer_name(name("Test Root CA"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage(sign=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(sign=True, ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return Credentials(leaf.public_bytes(pem) + root.public_bytes(pem),
                       key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def c2pa_signed(data: bytes, *, generator: str = "TestCam", version: str = "2.1") -> bytes:
    """``data`` (a JPEG) with C2PA content credentials: a capture, signed by ``camera_credentials``."""
    import c2pa

    creds = camera_credentials()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, creds.chain_pem, creds.key_pem,
                                                       None))
    manifest = {"claim_generator_info": [{"name": generator, "version": version}], "title": "photo.jpg",
                "assertions": [{"label": "c2pa.actions", "data": {"actions": [{
                    "action": "c2pa.created",
                    "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}]}}]}
    out = io.BytesIO()
    with c2pa.Builder(manifest) as builder:
        builder.sign(signer, "image/jpeg", io.BytesIO(data), out)
    return out.getvalue()


def tampered_after_signing(signed: bytes) -> bytes:
    """The signed JPEG with one byte of its image data changed: its manifest no longer matches its bytes."""
    changed = bytearray(signed)
    eoi = changed.rindex(b"\xff\xd9")
    i = eoi - 200
    while changed[i] == 0xFF or changed[i - 1] == 0xFF:  # a byte of entropy-coded data, not a marker's
        i -= 1
    changed[i] ^= 0x01
    return bytes(changed)
