from django.urls import path

from . import views

urlpatterns = [
    path("me/notifications/", views.PreferencesView.as_view(), name="my-notifications"),
    path("webhooks/", views.EndpointListView.as_view(), name="webhook-list"),
    path("webhooks/<int:endpoint_id>/", views.EndpointDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:endpoint_id>/rotate-secret/", views.RotateSecretView.as_view(), name="webhook-rotate-secret"),
    path("webhooks/<int:endpoint_id>/deliveries/", views.DeliveryListView.as_view(), name="webhook-deliveries"),
    path("webhook-deliveries/<int:delivery_id>/replay/", views.ReplayView.as_view(), name="webhook-delivery-replay"),
]
