from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "outcomes.reports"
    label = "reports"
    verbose_name = "Reports"
