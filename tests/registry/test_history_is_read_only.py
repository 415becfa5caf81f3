"""History pages show who changed what, and cannot be used to change anything."""

import datetime as dt

import pytest

from registry.models import Tumor
from tests.factories import TumorFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["coordinator", "registrar", "registry_admin"])
def test_a_post_to_a_history_version_changes_nothing(role, request, client):
    user = request.getfixturevalue(role)
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 10), size_mm=62)
    version = tumor.history.latest()
    client.force_login(user)
    url = f"/admin/registry/tumor/{tumor.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"date_of_diagnosis": "2019-01-01", "primary_site": "C34.1", "size_mm": "5"})
    assert response.status_code == 403
    tumor.refresh_from_db()
    assert (tumor.date_of_diagnosis, tumor.primary_site, tumor.size_mm) == (dt.date(2020, 3, 10), "C48.1", 62)
    assert Tumor.history.filter(id=tumor.pk).count() == 1


def test_the_history_list_names_who_changed_the_record(registrar, client):
    tumor = TumorFactory()
    tumor.size_mm = 70
    tumor._history_user = registrar
    tumor.save()
    client.force_login(registrar)
    page = client.get(f"/admin/registry/tumor/{tumor.pk}/history/").content.decode()
    assert "registrar" in page
