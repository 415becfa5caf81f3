from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "outcomes.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from outcomes.reports.schedule import ensure_report_schedule
        from registry.roles import on_reference_data

        on_reference_data(ensure_report_schedule)
