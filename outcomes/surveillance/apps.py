"""Surveillance app: registers the reference-data hook (plans, beat task) and the record-change listener."""

from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "outcomes.surveillance"
    label = "surveillance"
    verbose_name = "Surveillance"

    def ready(self) -> None:
        from outcomes.surveillance.services import refresh_after_record_change, surveillance_reference_data
        from registry.roles import on_reference_data
        from registry.services import on_record_changed

        on_reference_data(surveillance_reference_data)
        on_record_changed(refresh_after_record_change)
