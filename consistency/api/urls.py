from django.urls import path

from . import standard_views

urlpatterns = [
    path("standard/current/", standard_views.CurrentStandardView.as_view(), name="standard-current"),
    path("standard/versions/", standard_views.VersionListView.as_view(), name="standard-versions"),
    path("standard/versions/<int:number>/", standard_views.VersionDetailView.as_view(), name="standard-version"),
    path("standard/versions/<int:number>/criteria/<str:key>/", standard_views.CriterionDetailView.as_view(),
         name="standard-criterion"),
    path("standard/versions/<int:number>/publish/", standard_views.PublishView.as_view(), name="standard-publish"),
]
