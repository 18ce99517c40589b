"""Factories for the domain. Personas are built from these in tests/conftest.py."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from consistency.models import Criterion, Standard, StandardVersion, TouchPoint
from sites.models import Profile, Region, Role, Site


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SITE-{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")
    region = factory.SubFactory(RegionFactory)
    timezone = "UTC"
    active = True
    opened_on = dt.date(2026, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        # A person signs in for a token (tests.conftest.client_for); there is none until then.
        if create:
            self.save()


def person(username: str, role: str, *, sites=(), regions=(), department=None):
    user = UserFactory(username=username)
    profile = Profile.objects.create(user=user, role=role, department=department)
    profile.sites.set(sites)
    profile.regions.set(regions)
    return user


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ("slug",)

    slug = "brand"
    name = "Brand Standard"


def small_standard_doc(**overrides) -> dict:
    """A small but complete standard document: every kind, a critical and a photo criterion."""
    doc = {
        "standard": {"slug": "brand", "name": "Brand Standard"},
        "notes": "test standard",
        "touch_points": [
            {"key": "phone", "name": "Phone", "why": "First contact", "criteria": [
                {"key": "phone_rings", "prompt": "Rings to answer", "kind": "number", "unit": "rings",
                 "comparison": "lte", "target": 3, "tolerance": 0, "weight": 2},
                {"key": "phone_greeting", "prompt": "Brand greeting", "kind": "boolean", "weight": 1,
                 "critical": True},
            ]},
            {"key": "restroom", "name": "Restroom", "criteria": [
                {"key": "restroom_clean", "prompt": "Cleanliness", "kind": "score", "target": 4, "weight": 3,
                 "critical": True, "photos_required": 1},
            ]},
            {"key": "delivery", "name": "Delivery", "criteria": [
                {"key": "delivery_on_time_pct", "prompt": "On time", "kind": "number", "unit": "%",
                 "comparison": "gte", "target": 95, "tolerance": 2, "weight": 1},
            ]},
        ],
    }
    doc.update(overrides)
    return doc


def published_version(doc: dict | None = None, *, effective_from=dt.date(2026, 1, 1)) -> StandardVersion:
    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document

    version = services.version_create_from_document(doc=parse_document(doc or small_standard_doc()))
    return services.version_publish(version=version, effective_from=effective_from)


__all__ = ["Criterion", "Role", "TouchPoint"]
