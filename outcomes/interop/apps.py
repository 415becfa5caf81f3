from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "outcomes.interop"
    label = "interop"
    verbose_name = "Interoperability"
