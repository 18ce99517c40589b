"""What the restore drill writes: a small franchise that works as a real one does, through the API (the views,
the services, the audit trail they record), against the drill's own cluster and bucket.

Called from infra/backup/restore_drill.py once Django is set up on the drill's source cluster.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from consistency.models import Evidence
from consistency.services import standard as standards
from consistency.services.standard_document import parse_document
from sites import tokens
from sites.models import Profile, Region, Role, Site

SITES = ("DRL-01", "DRL-02", "DRL-03")
TIMEZONE = "Europe/London"

# The drill's standard: every kind of criterion, a critical one, and one that needs a photo.
STANDARD = {
    "standard": {"slug": "drill", "name": "Drill Standard"},
    "notes": "written by the restore drill",
    "touch_points": [
        {"key": "phone", "name": "Phone", "why": "First contact", "criteria": [
            {"key": "phone_rings", "prompt": "Rings to answer", "kind": "number", "unit": "rings",
             "comparison": "lte", "target": 3, "tolerance": 0, "weight": 2},
            {"key": "phone_greeting", "prompt": "Brand greeting", "kind": "boolean", "weight": 1, "critical": True},
        ]},
        {"key": "restroom", "name": "Restroom", "criteria": [
            {"key": "restroom_clean", "prompt": "Cleanliness", "kind": "score", "target": 4, "weight": 3,
             "critical": True, "photos_required": 1},
        ]},
    ],
}


@dataclass
class Written:
    """What one phase wrote, as the API answered it."""

    checks: list[int] = field(default_factory=list)
    client_ids: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)  # evidence public ids
    photo_keys: list[str] = field(default_factory=list)  # the originals' and thumbnails' keys in storage
    other: list[str] = field(default_factory=list)  # what else was done, said in words


class Franchise:
    def __init__(self) -> None:
        self.head_office = None
        self.managers: dict[str, object] = {}
        self._clients: dict[str, APIClient] = {}

    def set_up(self) -> Written:
        """Region, sites, people, and the standard published (a week back, so the days written fall under it)."""
        region = Region.objects.create(code="drill", name="Drill region")
        for code in SITES:
            Site.objects.create(code=code, name=f"Drill site {code}", region=region, timezone=TIMEZONE,
                                opened_on=timezone.localdate() - dt.timedelta(days=30))
        users = get_user_model().objects
        # No passwords: the API is used with tokens issued here, and hashing one costs a second of CPU.
        self.head_office = users.create_user("drill.head", email="head@example.com", password=None)
        Profile.objects.create(user=self.head_office, role=Role.HEAD_OFFICE)
        for code in SITES:
            manager = users.create_user(f"drill.{code.lower()}", email=f"{code.lower()}@example.com", password=None)
            profile = Profile.objects.create(user=manager, role=Role.MANAGER)
            profile.sites.set(Site.objects.filter(code=code))
            self.managers[code] = manager
        version = standards.version_create_from_document(doc=parse_document(STANDARD), user=self.head_office)
        standards.version_publish(version=version, user=self.head_office,
                                  effective_from=timezone.localdate() - dt.timedelta(days=7))
        return Written(other=[f"{len(SITES)} sites, {len(SITES) + 1} people, the standard published"])

    def _client(self, user) -> APIClient:
        if user.username not in self._clients:
            # The test client runs the whole request path (middleware, views, services) in this process.
            client = APIClient(SERVER_NAME="localhost")
            _, token = tokens.token_issue(user=user, device_name="restore drill")
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            self._clients[user.username] = client
        return self._clients[user.username]

    def day_of_checks(self, days_ago: int, *, seed: int) -> Written:
        """Every site's check of that local day, each with its photo, as a manager's phone sends them."""
        written = Written()
        for index, code in enumerate(SITES):
            client = self._client(self.managers[code])
            site_day = timezone.localdate(timezone.now(), Site.objects.get(code=code).tz) - dt.timedelta(days=days_ago)
            client_id = str(uuid.uuid4())
            body = {"date": site_day.isoformat(), "performed_at": timezone.now().isoformat(), "client_id": client_id,
                    "results": [{"criterion": "phone_rings", "value": 2 + index % 3, "note": ""},
                                {"criterion": "phone_greeting", "value": index != 1, "note": ""},
                                {"criterion": "restroom_clean", "value": 5 - index, "note": "drill"}]}
            response = client.post(f"/api/v1/sites/{code}/checks/", body, format="json",
                                   headers={"Idempotency-Key": client_id})
            _expect(response, 201, f"check of {code} for {site_day}")
            check_id = response.json()["id"]
            data = photo(seed * 100 + index)
            upload = client.post(f"/api/v1/checks/{check_id}/evidence/", {
                "criterion": "restroom_clean",
                "file": SimpleUploadedFile("restroom.jpg", data, content_type="image/jpeg")}, format="multipart")
            _expect(upload, 201, f"photo of {code}'s check {check_id}")
            evidence = upload.json()
            written.checks.append(check_id)
            written.client_ids.append(client_id)
            written.photos.append(evidence["id"])
        for key, thumb in Evidence.objects.filter(public_id__in=written.photos).values_list("key", "thumbnail_key"):
            written.photo_keys += [key, thumb]
        return written

    def head_office_work(self) -> Written:
        """What head office does that the audit trail records: a criterion marked not applicable at a site,
        a photo rejected on review (a retake asked for), a compliance pack ordered."""
        client = self._client(self.head_office)
        today = timezone.localdate()
        response = client.post("/api/v1/sites/DRL-03/not-applicable/", {
            "criterion": "phone_rings", "starts_on": today.isoformat(), "reason": "The phone line is being moved."},
            format="json")
        _expect(response, 201, "not-applicable mark")
        rejected = Evidence.objects.filter(site__code="DRL-02", status="verified").order_by("id").first()
        response = client.post(f"/api/v1/evidence/{rejected.public_id}/review/", {
            "decision": "reject", "reason": "The mirror is not in the picture."}, format="json")
        _expect(response, 201, "photo review")
        ordered = self.order_pack()
        return Written(other=["phone_rings marked not applicable at DRL-03", f"photo {rejected.public_id} rejected",
                              f"compliance pack {ordered} ordered"])

    def order_pack(self) -> str:
        """Head office orders DRL-01's compliance pack for the last week; returns the run's id."""
        today = timezone.localdate()
        response = self._client(self.head_office).post("/api/v1/reports/", {
            "kind": "compliance_pack", "sites": ["DRL-01"], "from": (today - dt.timedelta(days=6)).isoformat(),
            "to": today.isoformat()}, format="json")
        _expect(response, 202, "report order")
        return response.json()["id"]


def _expect(response, status: int, what: str) -> None:
    if response.status_code != status:
        body = response.content.decode(errors="replace")[:500]
        raise RuntimeError(f"{what}: expected HTTP {status}, got {response.status_code}: {body}")


def photo(seed: int) -> bytes:
    """A 640 x 480 JPEG whose content depends on ``seed`` (so no two photos are the same picture)."""
    rng = random.Random(seed)
    im = Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(16):
        x0, y0 = rng.randrange(600), rng.randrange(440)
        box = [x0, y0, x0 + rng.randrange(40, 320), y0 + rng.randrange(40, 240)]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()
