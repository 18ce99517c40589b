from django.urls import path

from . import applicability_views as v

urlpatterns = [
    path("sites/<slug:code>/not-applicable/", v.SiteMarksView.as_view(), name="site-not-applicable"),
    path("sites/<slug:code>/not-applicable/<int:mark_id>/", v.SiteMarkView.as_view(), name="site-not-applicable-mark"),
    path("not-applicable/", v.MarksView.as_view(), name="not-applicable"),
]
