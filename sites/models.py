"""Regions, sites and who may reach them."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone (for example 'Pacific/Auckland').")


class Region(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    # The head-office person told about this region's missed days, critical failures and overdue actions.
    contact = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="contact_for_regions",
                                help_text="Head office's contact for this region: told of missed days, critical "
                                          "failures and overdue actions.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Site(models.Model):
    code = models.SlugField(max_length=32, unique=True, help_text="Short, stable code used in URLs, e.g. AKL-01.")
    name = models.CharField(max_length=160)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sites")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    active = models.BooleanField(default=True)
    opened_on = models.DateField(help_text="The first local day a daily check is expected.")
    check_cutoff = models.TimeField(default=dt.time(10, 0),
                                    help_text="Local time by which the day's check should be in; after it the "
                                              "manager is reminded.")
    # Optional: where the site is, so that a photo's GPS position can be compared with it (capture checks).
    latitude = models.FloatField(null=True, blank=True,
                                 validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True,
                                  validators=[MinValueValidator(-180), MaxValueValidator(180)])

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["region", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        """A location is both coordinates or neither: a photo's distance from the site needs both (the ranges are
        the fields' validators)."""
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise ValidationError({missing: f"Give the site's latitude and longitude together, or neither: the "
                                            f"{missing} is missing."})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Role(models.TextChoices):
    MANAGER = "manager", "Branch manager"
    HEAD_OFFICE = "head_office", "Head office"
    AUDITOR = "auditor", "Auditor"
    MYSTERY_SHOPPER = "mystery_shopper", "Mystery shopper"
    DEPARTMENT = "department", "Department staff"


class Profile(models.Model):
    """A person's role and scope. Managers have sites; auditors have sites and/or regions; mystery shoppers have
    the sites they are assigned to visit; department staff have a department and the sites it serves; head
    office reaches everything."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=16, choices=Role.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="profiles")
    regions = models.ManyToManyField(Region, blank=True, related_name="profiles")
    department = models.ForeignKey("consistency.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="staff", help_text="Department staff: the department they work in.")
    # The language pages, PDFs, e-mails and the standard are shown in (settings.LANGUAGES); empty: the
    # browser's (Accept-Language), else settings.LANGUAGE_CODE.
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class DeviceToken(AbstractAuthToken):
    """One device's API token (django-rest-knox's model, ``KNOX_TOKEN_MODEL``): only a SHA-512 digest of the
    token is stored, and it expires after ``TOKEN_IDLE_DAYS`` unused. An id of its own, so that a device can be
    named in a URL without its digest."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    device_name = models.CharField(max_length=120, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user} on {self.device_name or 'an unnamed device'}"
