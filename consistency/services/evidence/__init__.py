"""Photo evidence: hand out an upload, take one through the API, verify it, and re-judge the result.

Two ways in, the same checks:

- **Direct to S3** (``requests.evidence_request`` then ``confirmation.evidence_confirm``): the server chooses
  a unique key under the site and the check (or action), records what the phone declares (type, size,
  SHA-256) and hands out a presigned POST. On confirmation it streams the object back, and trusts nothing the
  phone said: size, hash, type and content are all checked on the bytes themselves.
- **Multipart through the API** (``uploads.evidence_upload``), for storage without direct uploads (local
  disk) or a phone that prefers it: the same checks run before anything is stored, and a refused file
  leaves nothing behind.

The parts:

- ``targets``: what a photo is attached to (a check, an action or an audit), the criterion it proves, its keys;
- ``duplicates``: one photo is one piece of evidence (a retry is answered, a second copy refused);
- ``requests``, ``confirmation``, ``uploads``: the two ways in;
- ``verdicts``: a photo recorded verified (with its trust flags) or refused, once;
- ``settling``: the server's verdict on a direct upload that was never confirmed;
- ``rejudging``: the criterion re-judged, the check rescored and the variance summaries told, in the
  transaction that records the verdict. An audit's photo re-judges nothing and counts in no variance total
  (an audit's result is its observation); it is only kept, verified, with its trust flags.

Originals are never overwritten: keys are server-chosen UUIDs, stored write-once (``storage.put_new``).
The downscaled copy that reports embed is made once, when the photo is verified.
"""

from .confirmation import evidence_confirm
from .rejudging import rejudge
from .requests import evidence_request
from .settling import settle_unconfirmed
from .targets import Target, target_for_action, target_for_audit, target_for_check, thumbnail_key, upload_key
from .uploads import Uploaded, evidence_upload
from .verdicts import Refused

__all__ = ["Refused", "Target", "Uploaded", "evidence_confirm", "evidence_request", "evidence_upload", "rejudge",
           "settle_unconfirmed", "target_for_action", "target_for_audit", "target_for_check", "thumbnail_key",
           "upload_key"]
