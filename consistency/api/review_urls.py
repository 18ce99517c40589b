from django.urls import path

from . import review_views as views
from . import urls as _standard_urls  # noqa: F401 - registers the criterion_key converter

urlpatterns = [
    path("evidence/<uuid:public_id>/review/", views.EvidenceReviewView.as_view(), name="evidence-review"),
    path("sites/<slug:code>/retakes/", views.SiteRetakesView.as_view(), name="site-retakes"),
    path("standard/criteria/<criterion_key:key>/reference-photo/", views.ReferencePhotoView.as_view(),
         name="reference-photo"),
    path("standard/reference-photos/<int:pk>/<str:which>/", views.ReferencePhotoFileView.as_view(),
         name="reference-photo-file"),
]
