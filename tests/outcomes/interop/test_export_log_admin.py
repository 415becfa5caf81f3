"""The registry-file export log in the admin: admins read it, nobody adds, changes or deletes a row."""

import pytest
from django.test import Client
from django.urls import reverse

from outcomes.interop import services

pytestmark = pytest.mark.django_db

ROLES = ("registrar", "coordinator", "epidemiologist", "admin")
# Epidemiologists are not staff: the admin sends them to the login page.
EXPECTED = {
    # view: (registrar, coordinator, epidemiologist, admin)
    "changelist": (403, 403, 302, 200),
    "change": (403, 403, 302, 200),
    "add": (403, 403, 302, 403),
    "delete": (403, 403, 302, 403),
}


@pytest.mark.parametrize("view", list(EXPECTED))
@pytest.mark.parametrize("role_index", range(4), ids=ROLES)
def test_only_admins_read_the_export_log_and_nobody_edits_it(view, role_index, role_users):
    log = services.naaccr_export_start(user=role_users["registrar"], identified=True)
    client = Client()
    client.force_login(role_users[ROLES[role_index]])
    args = [log.pk] if view in ("change", "delete") else []
    response = client.get(reverse(f"admin:interop_interopexportlog_{view}", args=args))
    assert response.status_code == EXPECTED[view][role_index]
