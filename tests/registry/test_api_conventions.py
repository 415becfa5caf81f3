"""API conventions: tokens, the one error format, and a schema that validates."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"status", "code", "detail", "errors"}


@pytest.fixture
def registrar_with_password(registrar):
    registrar.set_password("correct horse battery")
    registrar.save()
    return registrar


def test_a_token_is_issued_for_good_credentials_and_reads_the_api(registrar_with_password):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "registrar", "password": "correct horse battery"})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/patients/").status_code == 200


def test_a_revoked_token_no_longer_works(registrar_with_password):
    token = Token.objects.create(user=registrar_with_password)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.delete("/api/auth/token/").status_code == 204
    response = client.get("/api/patients/")
    assert response.status_code == 401 and set(response.json()) == ERROR_KEYS


def test_wrong_password_is_a_400_in_the_error_format(registrar_with_password):
    response = APIClient().post("/api/auth/token/", {"username": "registrar", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["errors"][0]["field"] is None


def test_a_missing_field_is_named_in_the_error(db):
    response = APIClient().post("/api/auth/token/", {"username": "registrar"})
    body = response.json()
    assert response.status_code == 400 and set(body) == ERROR_KEYS
    assert [e["field"] for e in body["errors"]] == ["password"]


@pytest.mark.parametrize(
    "request_for, status",
    [
        (lambda users: (APIClient(), "get", "/api/patients/"), 401),
        (lambda users: (client_for(users["epidemiologist"]), "get", "/api/patients/"), 403),
        (lambda users: (client_for(users["registrar"]), "get", "/api/patients/999999/"), 404),
        (lambda users: (client_for(users["registrar"]), "post", "/api/patients/"), 405),
    ],
    ids=["401", "403", "404", "405"],
)
def test_every_error_has_the_same_shape(role_users, request_for, status):
    client, method, url = request_for(role_users)
    response = getattr(client, method)(url)
    assert response.status_code == status
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == status and body["detail"]


def test_the_openapi_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
