from django.urls import path

from . import views

urlpatterns = [
    path("exports/results.csv", views.ResultsCsvView.as_view(), name="export-results-csv"),
]
