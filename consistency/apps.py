from django.apps import AppConfig


class ConsistencyConfig(AppConfig):
    name = "consistency"
    label = "consistency"
    verbose_name = "The standard, checks and variance"
