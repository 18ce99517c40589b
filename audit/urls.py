from django.urls import path

from .api import views

urlpatterns = [
    path("audit/", views.EntryListView.as_view(), name="audit-list"),
    path("audit/verification/", views.VerificationView.as_view(), name="audit-verification"),
]
