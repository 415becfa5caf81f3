from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "registry.quality"
    label = "quality"
    verbose_name = "Data quality"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from registry.quality.services import findings_on_record_changed
        from registry.services import on_record_changed

        # Findings are re-evaluated after every write to the record (single rows via registry.signals,
        # bulk paths by their explicit record_changed call).
        on_record_changed(findings_on_record_changed)
