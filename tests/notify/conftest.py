"""The notification tests' parts: the network's people with e-mail addresses (one reads French), event templates
of the tests' own (so that what is checked does not depend on the text another app writes for its events), the
real worker (tests/worker.py) and the browser fixtures (tests/pages/conftest.py)."""

from __future__ import annotations

import pytest

from notify.services import messages
from sites.models import Profile

from ..pages.conftest import open_as  # noqa: F401  (fixture)
from ..worker import report_queue  # noqa: F401  (fixture)
from ..worker import start_worker as _start_worker  # noqa: F401  (fixture, used by start_worker below)

# The tests' own text for check.missed: the subject names the site and the label in the reader's language;
# the body says the day and the link, with one string of notify's catalogue.
MISSED = """{% load i18n %}
{{ event_label }}: {{ site.code }}
{{ data.date }}
{% translate "Open it in Touchpoint:" %} {{ link }}
"""


@pytest.fixture
def people(network):
    """manager_a (English), manager_b (French) and head office, with addresses; the auditor without one."""
    for user, address in ((network.manager_a, "manager.a1@example.com"), (network.manager_b, "gerant.b1@example.com"),
                          (network.head_office, "head.office@example.com")):
        user.email = address
        user.first_name = user.username.split(".")[0].title()
        user.save(update_fields=["email", "first_name"])
    Profile.objects.filter(user=network.manager_b).update(language="fr")
    return network


@pytest.fixture
def event_templates(settings, tmp_path):
    """A template folder of the test's own, searched before the apps' (``notify/email/check.missed.txt``: MISSED)."""
    folder = tmp_path / "templates" / "notify" / "email"
    folder.mkdir(parents=True)
    (folder / "check.missed.txt").write_text(MISSED)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    messages._text_templates.cache_clear()
    yield folder
    messages._text_templates.cache_clear()


@pytest.fixture
def start_worker(_start_worker, report_queue):  # noqa: F811
    """tests/worker.py's worker, with this folder's settings: what it queues itself goes to the queue it takes."""

    def start(name: str = "w1", **env):
        return _start_worker(name, DJANGO_SETTINGS_MODULE="tests.notify.worker_settings",
                             TEST_CELERY_QUEUE=report_queue, **env)

    return start
