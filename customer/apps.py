from django.apps import AppConfig


class CustomerConfig(AppConfig):
    name = "customer"
    label = "customer"
    verbose_name = "What the customer meets: audits, mystery shops, feedback"
