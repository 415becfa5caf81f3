"""Roles exist with their permissions on a fresh database, and ensure_roles() is idempotent."""

import pytest
from django.contrib.auth.models import Group

from registry.roles import ROLES, ensure_roles

pytestmark = pytest.mark.django_db


def perms(role):
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()
    }


def test_every_role_exists_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_registrar_edits_the_record_and_sees_identifiers():
    registrar = perms("Registrar")
    assert {"registry.change_tumor", "registry.add_surgery", "registry.view_identifiers"} <= registrar


def test_coordinator_records_imaging_but_cannot_change_a_diagnosis():
    coordinator = perms("Coordinator")
    assert "registry.add_imagingstudy" in coordinator
    assert "registry.change_tumor" not in coordinator and "registry.change_surgery" not in coordinator


def test_epidemiologist_cannot_see_identifiers_or_the_record():
    epidemiologist = perms("Epidemiologist")
    assert "registry.view_identifiers" not in epidemiologist
    assert not {p for p in epidemiologist if p.startswith("registry.")}


def test_registry_admin_holds_every_registry_permission():
    assert {"registry.view_identifiers", "registry.delete_patient", "auth.change_user"} <= perms(
        "Registry admin"
    )


def test_ensure_roles_is_idempotent():
    before = {role: perms(role) for role in ROLES}
    ensure_roles()
    ensure_roles()
    assert {role: perms(role) for role in ROLES} == before
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)
