"""The image's HEALTHCHECK: the API process answers /health/live (liveness: no dependency asked). Standard
library only, so it adds nothing to the image; the worker and beat containers set their own (infra/compose.yaml)."""

import os
import sys
import urllib.request

try:
    with urllib.request.urlopen(f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health/live?format=json",
                                timeout=4) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
