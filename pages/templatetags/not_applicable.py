"""The "Not applicable here" part of a site's page, as one tag: the site page includes it with one line."""

from django import template

from ..not_applicable import site_marks

register = template.Library()


@register.inclusion_tag("pages/site_not_applicable.html", takes_context=True)
def site_not_applicable(context, site):
    return {**site_marks(user=context["request"].user, site=site), "csrf_token": context.get("csrf_token")}
