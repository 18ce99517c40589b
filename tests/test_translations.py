"""Every catalogue of the repository is complete and compiled: no message left untranslated or fuzzy, every
committed .mo says what its .po says (the .mo files are committed, so ``compilemessages`` is not needed at run
time), and every string the pages' templates and scripts mark for translation is in their catalogue."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted({*ROOT.glob("*/locale/*/LC_MESSAGES/*.po"), *ROOT.glob("locale/*/LC_MESSAGES/*.po")})


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _messages(catalogue) -> dict:
    """(context, msgid) -> what it translates to, for a .po or a .mo (the header left out)."""
    out = {}
    for entry in catalogue:
        if not entry.msgid:
            continue
        text = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)) if entry.msgid_plural \
            else entry.msgstr
        out[(entry.msgctxt, entry.msgid, entry.msgid_plural or None)] = text
    return out


def test_there_are_catalogues():
    names = {_id(p) for p in CATALOGUES}
    assert {"pages/locale/fr/LC_MESSAGES/django.po", "pages/locale/fr/LC_MESSAGES/djangojs.po",
            "locale/fr/LC_MESSAGES/django.po"} <= names, names


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_id)
def test_every_message_is_translated_and_none_is_fuzzy(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{_id(po_path)}: {len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{_id(po_path)}: {len(fuzzy)} fuzzy: {fuzzy[:10]}"
    assert not po.metadata_is_fuzzy, f"{_id(po_path)}: its header is marked fuzzy"
    assert po.metadata.get("Plural-Forms"), f"{_id(po_path)}: no Plural-Forms in its header"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_id)
def test_the_committed_mo_is_the_po_compiled(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{_id(mo_path)} is missing: run `django-admin compilemessages` in its app folder"
    compiled = _messages(polib.mofile(str(mo_path)))
    written = {k: v for k, v in _messages(polib.pofile(str(po_path))).items()}
    assert compiled == written, (
        f"{_id(mo_path)} is not {_id(po_path)} compiled (run `django-admin compilemessages`): "
        f"{sorted(set(written.items()) ^ set(compiled.items()), key=str)[:5]}")


@pytest.mark.parametrize(("source", "catalogue", "domain"), [
    ("pages", "pages/locale", "django"), ("pages", "pages/locale", "djangojs"),
    ("backend/templates", "locale", "django")])
def test_every_marked_string_is_in_its_catalogue(source, catalogue, domain, tmp_path):
    """makemessages over a copy of the pages app (and of the site's own templates, whose catalogue is the
    project's locale/): every string its templates, views and scripts mark is already in the committed
    catalogue (nothing marked since the catalogue was last made)."""
    copy = tmp_path / "src"
    subprocess.run(["cp", "-r", str(ROOT / source), str(copy)], check=True)
    subprocess.run(["rm", "-rf", str(copy / "locale")], check=True)
    (copy / "locale").mkdir()
    # Without settings: makemessages then writes to the folder's own locale/ (not settings.LOCALE_PATHS).
    subprocess.run(["django-admin", "makemessages", "--locale", "fr", "--domain", domain], cwd=copy, check=True,
                   capture_output=True, env={**_env(), "DJANGO_SETTINGS_MODULE": ""})
    made = polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / f"{domain}.po"))
    committed = polib.pofile(str(ROOT / catalogue / "fr" / "LC_MESSAGES" / f"{domain}.po"))
    have = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    missing = sorted({(e.msgctxt, e.msgid) for e in made} - have, key=str)
    assert len(made) > 20
    assert not missing, f"{catalogue}/fr/LC_MESSAGES/{domain}.po lacks {len(missing)}: {missing[:10]} " \
                        f"(make it again with makemessages, translate, compilemessages)"


def _env() -> dict:
    import os
    import sys

    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
