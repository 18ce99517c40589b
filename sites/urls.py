from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", views.TokenListView.as_view(), name="auth-token-list"),
    path("auth/tokens/<int:token_id>/", views.TokenDetailView.as_view(), name="auth-token-detail"),
    path("me/", views.MeView.as_view(), name="me"),
    path("sites/", views.SiteListView.as_view(), name="site-list"),
    path("sites/<slug:code>/", views.SiteDetailView.as_view(), name="site-detail"),
]
