from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Raw results for a BI tool: one row per site, day, criterion and source, as CSV (streamed, or a background
    run stored like a report)."""

    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"
