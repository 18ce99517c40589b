"""Feedback over HTTP (see customer/api/feedback_views.py)."""

from django.urls import path

from . import feedback_views as v

urlpatterns = [
    path("feedback/", v.FeedbackView.as_view(), name="feedback"),
    path("feedback/questions/", v.QuestionsView.as_view(), name="feedback-questions"),
]
