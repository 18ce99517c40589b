"""The nightly verification keeps its outcome and tells head office once when the chain is broken."""

from __future__ import annotations

import pytest

from audit.models import ChainCheck
from audit.tasks import verify_chain
from notify.models import Notice

from .test_chain import append, as_attacker

pytestmark = pytest.mark.django_db


def test_an_intact_chain_is_kept_as_verified(network):
    append(3)
    assert verify_chain() == {"intact": True, "entries": 3, "broken_seq": None}
    check = ChainCheck.objects.get()
    assert check.intact and check.head_seq == 3 and len(check.head_hash) == 64
    assert not Notice.objects.filter(event="audit.chain_broken").exists()


def test_a_broken_chain_is_told_to_head_office_once(network, django_capture_on_commit_callbacks):
    append(4)
    as_attacker("UPDATE audit_auditentry SET actor_name = 'nobody' WHERE seq = 2")
    with django_capture_on_commit_callbacks():
        assert verify_chain()["broken_seq"] == 2
        verify_chain()  # the next night: the same break, told already
    notice = Notice.objects.get(event="audit.chain_broken")
    assert notice.recipient == network.head_office and notice.link == "/app/audit/"
    assert notice.data["broken_seq"] == 2 and "does not match its hash" in notice.data["problem"]
    assert [c.intact for c in ChainCheck.objects.all()] == [False, False]
    from notify.services.messages import render_notice

    text = render_notice(notice)
    assert text.subject == "Touchpoint's audit trail is broken at entry 2" and "intact up to entry 1" in text.body
