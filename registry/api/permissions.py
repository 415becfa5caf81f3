"""Role permissions for API views, reusable by every app (DESIGN section 10)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from registry.roles import COORDINATOR, EPIDEMIOLOGIST, REGISTRAR, REGISTRY_ADMIN


def user_roles(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_registry_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(REGISTRY_ADMIN)
        user._registry_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def sees_full_reports(user) -> bool:
    """Registrars and admins see full outcome reports; epidemiologists see released figures."""
    return has_role(user, REGISTRAR, REGISTRY_ADMIN)


def sees_identifiers(user) -> bool:
    return has_role(user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN)


class RolePermission(BasePermission):
    """Allow authenticated users holding one of `roles`. Subclass and set `roles`."""

    roles: tuple[str, ...] = ()
    message = "Your role does not give access to this resource."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *self.roles)


class IsRegistrar(RolePermission):
    roles = (REGISTRAR, REGISTRY_ADMIN)


class IsCoordinator(RolePermission):
    roles = (COORDINATOR, REGISTRY_ADMIN)


class IsEpidemiologist(RolePermission):
    roles = (EPIDEMIOLOGIST, REGISTRY_ADMIN)


class IsRegistryAdmin(RolePermission):
    roles = (REGISTRY_ADMIN,)


class ReadsOutcomeReports(RolePermission):
    roles = (REGISTRAR, EPIDEMIOLOGIST, REGISTRY_ADMIN)


class ReadsSurveillance(RolePermission):
    roles = (REGISTRAR, COORDINATOR, REGISTRY_ADMIN)
