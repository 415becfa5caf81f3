from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "outcomes.surveillance"
    label = "surveillance"
    verbose_name = "Surveillance"
