"""The table of past report runs (django-tables2): who asked, when, what, the scope, status, time taken, SHA-256."""

from __future__ import annotations

import django_tables2 as tables
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from reports.models import ReportKind, RunStatus
from reports.selectors import run_scope_label

from ...labels import label


def duration(run) -> str:
    """How long the worker took, from the run's own timestamps; "" while it has not finished."""
    if not (run.started_at and run.finished_at):
        return ""
    seconds = max(0, round((run.finished_at - run.started_at).total_seconds()))
    if seconds < 60:
        return f"{seconds}\u00a0s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}\u00a0min {seconds}\u00a0s" if minutes < 60 else f"{minutes // 60}\u00a0h {minutes % 60}\u00a0min"


def status_badge(run):
    label_ = label(RunStatus, run.status)
    if run.status == "running":
        label_ = f"{label_} {run.progress} %"
    return format_html('<span class="badge run-{}">{}</span>', run.status, label_)


class RunTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Ordered"), format="Y-m-d H:i")
    requested_by = tables.Column(verbose_name=_("By"), order_by=("requested_by__username",),
                                 default=_("Schedule"))  # no person: the beat schedule ordered it
    kind = tables.Column(verbose_name=_("Report"))
    scope = tables.Column(verbose_name=_("Scope"), accessor="pk", orderable=False)
    period = tables.Column(verbose_name=_("Period"), accessor="period_from", order_by=("period_from", "period_to"))
    status = tables.Column(verbose_name=_("Status"))
    took = tables.Column(verbose_name=_("Took"), accessor="pk", orderable=False)
    pdf_sha256 = tables.Column(verbose_name="SHA-256", orderable=False, attrs={"td": {"class": "sha"}})
    pdf = tables.Column(verbose_name="PDF", accessor="pk", orderable=False)

    class Meta:
        template_name = "pages/reports_table.html"
        attrs = {"class": "runs", "aria-labelledby": "runs-heading"}
        empty_text = _("No reports yet.")
        row_attrs = {"id": lambda record: f"row-{record.public_id}",
                     "class": lambda record, table: "current" if table.highlight == record.public_id else "",
                     "aria-current": lambda record, table: "true" if table.highlight == record.public_id else None}

    def __init__(self, *args, highlight=None, **kwargs):
        self.highlight = highlight
        super().__init__(*args, **kwargs)

    def render_created_at(self, record, value):
        # The time opens the run at the top of the page, where its status is watched.
        return format_html('<a href="?run={}#run">{}</a>', record.public_id, value.strftime("%Y-%m-%d %H:%M"))

    def render_requested_by(self, value):
        return value.get_full_name() or value.username

    def value_requested_by(self, value):
        return value.username

    def render_scope(self, record):
        return run_scope_label(record)  # the sites are prefetched by reports.selectors.run_list

    def render_period(self, record):
        return format_html('{}&nbsp;{} {}', record.period_from, pgettext("from a date to a date", "to"),
                           record.period_to)

    def render_status(self, record):
        newer = getattr(record, "superseded_by", None)  # reports.selectors.run_list: its newest re-issue
        if not newer:
            return status_badge(record)
        return format_html('{}<br><span class="small">{} <a href="{}?run={}#run">{}</a></span>', status_badge(record),
                           gettext("superseded by"), reverse("pages:reports"), newer, str(newer)[:8])

    def render_took(self, record):
        return duration(record) or "—"

    def render_pdf(self, record):
        if record.status != "done":
            return "—"
        return format_html('<a href="{}">{}<span class="visually-hidden"> {}</span></a>'
                           '<br><span class="small muted">{}</span>',
                           reverse("pages:report-download", args=[record.public_id]), gettext("Download"),
                           gettext("the report ordered %(when)s") % {"when": record.created_at.strftime("%Y-%m-%d %H:%M")},
                           filesizeformat(record.pdf_size))

    def render_kind(self, record):
        return label(ReportKind, record.kind)
