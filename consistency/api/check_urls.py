from django.urls import path

from . import check_views as v

urlpatterns = [
    path("sites/<slug:code>/checks/", v.SiteChecksView.as_view(), name="site-checks"),
    path("checks/<int:check_id>/", v.CheckDetailView.as_view(), name="check-detail"),
    path("sites/<slug:code>/missed/", v.SiteMissedView.as_view(), name="site-missed"),
    path("missed/", v.MissedView.as_view(), name="missed"),
    path("sites/<slug:code>/actions/", v.SiteActionsView.as_view(), name="site-actions"),
    path("actions/", v.ActionListView.as_view(), name="actions"),
    path("actions/<int:action_id>/resolve/", v.ActionResolveView.as_view(), name="action-resolve"),
]
