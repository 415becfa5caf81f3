from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "IMT record"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        import registry.signals  # noqa: F401  (connects the receivers)
        from registry.roles import ensure_reference_data_after_migrate

        post_migrate.connect(ensure_reference_data_after_migrate)
