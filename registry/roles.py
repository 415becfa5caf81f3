"""The four roles of DESIGN section 10 as groups with permissions, created by one idempotent function.

`ensure_roles()` runs after every `migrate` (post_migrate), so groups exist with their permissions on a
fresh database and after test flushes. Later apps add their permissions to ROLE_PERMISSIONS.
"""

from __future__ import annotations

import logging

from django.apps import apps

logger = logging.getLogger(__name__)

REGISTRAR = "Registrar"
COORDINATOR = "Coordinator"
EPIDEMIOLOGIST = "Epidemiologist"
REGISTRY_ADMIN = "Registry admin"
ROLES = (REGISTRAR, COORDINATOR, EPIDEMIOLOGIST, REGISTRY_ADMIN)

CLINICAL_MODELS = (
    "patient",
    "tumor",
    "presentation",
    "surgery",
    "moleculartest",
    "treatment",
    "imagingstudy",
    "diseaseevent",
)


def _crud(app_label: str, *models: str) -> list[str]:
    return [
        f"{app_label}.{action}_{model}" for model in models for action in ("add", "change", "delete", "view")
    ]


def _view(app_label: str, *models: str) -> list[str]:
    return [f"{app_label}.view_{model}" for model in models]


# Permissions by role. The registry admin additionally holds every permission of the project apps.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    REGISTRAR: [
        *_crud("registry", *CLINICAL_MODELS),
        *_view("registry", "institution"),
        "registry.view_identifiers",
        "registry.export_registry_files",
        "registry.view_importreview",
        "registry.change_importreview",  # reject an entry of the NAACCR import's review list
        "quality.view_finding",
        "quality.change_finding",  # acknowledge, create the event an imaging study suggests
        *_view("surveillance", "surveillanceplan", "surveillanceitem", "planoverride"),
        "reports.view_outcomereport",
        "reports.add_outcomereport",  # queue a report run
    ],
    COORDINATOR: [
        *_view("registry", *CLINICAL_MODELS, "institution"),
        "registry.change_patient",  # follow-up status and contact fields only (enforced in the admin)
        "registry.add_imagingstudy",
        "registry.change_imagingstudy",
        "registry.view_identifiers",
        "quality.view_finding",
        *_view("surveillance", "surveillanceplan", "planoverride", "reminder"),
        "surveillance.view_surveillanceitem",
        "surveillance.change_surveillanceitem",
    ],
    EPIDEMIOLOGIST: [
        *_crud("cohorts", "cohort"),  # their own cohorts (ownership enforced by outcomes.cohorts.selectors)
        "reports.view_outcomereport",
        "reports.add_outcomereport",  # queue a report run (released figures only)
    ],
    REGISTRY_ADMIN: [],
}

PROJECT_APPS = ("registry", "quality", "cohorts", "reports", "surveillance", "outcomes", "interop")


def ensure_roles() -> None:
    """Create or update the role groups so each holds exactly its permissions. Idempotent."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    everything = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        if role == REGISTRY_ADMIN:
            wanted = [pk for key, pk in everything.items() if key.split(".")[0] in PROJECT_APPS]
            wanted += [
                pk
                for key, pk in everything.items()
                if key.split(".")[0] in ("auth", "authtoken", "django_celery_beat")
            ]
        else:
            missing = [key for key in ROLE_PERMISSIONS[role] if key not in everything]
            if missing:
                logger.warning("Role %s: permissions not found (yet): %s", role, ", ".join(missing))
            wanted = [everything[key] for key in ROLE_PERMISSIONS[role] if key in everything]
        group.permissions.set(wanted)


def ensure_reference_data_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver: once the last app has migrated, make sure roles and code tables exist."""
    # post_migrate is sent once per app that has models; act on the last one only.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is not last:
        return
    ensure_roles()
    for hook in _reference_data_hooks:
        hook()


_reference_data_hooks: list = []


def on_reference_data(hook) -> None:
    """Register an idempotent callable run after migrations (surveillance plans, code tables)."""
    if hook not in _reference_data_hooks:
        _reference_data_hooks.append(hook)
