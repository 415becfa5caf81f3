from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "outcomes.cohorts"
    label = "cohorts"
    verbose_name = "Cohorts"
