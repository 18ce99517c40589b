from django.urls import path

from .views import overview, site, standard, today
from .views import reports as report_views

app_name = "pages"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("sites/<slug:code>/", site.site_detail, name="site"),
    path("standard/", standard.standard, name="standard"),
    path("standard/diff/", standard.standard_diff, name="standard-diff"),
    path("reports/", report_views.reports, name="reports"),
    path("today/", today.today, name="today"),
]
