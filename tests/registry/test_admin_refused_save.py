"""A refused save keeps what the registrar typed and puts the message on the field that broke the rule."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import Surgery, Tumor
from tests.factories import PatientFactory, TumorFactory
from tests.registry.admin_forms import add_inline_row, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(registrar):
    client = Client()
    client.force_login(registrar)
    return client


def test_surgery_before_diagnosis_on_an_existing_tumor_is_refused_on_the_date_and_keeps_the_typing(browser):
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 10), size_mm=62)
    url = reverse("admin:registry_tumor_change", args=[tumor.pk])
    data = form_data(browser.get(url))
    data["size_mm"] = "71"
    add_inline_row(
        data,
        "surgeries",
        {"date": "2020-03-01", "date_precision": "D", "extent": "incomplete", "margin": "R1"},
    )

    response = browser.post(url, data)

    assert response.status_code == 200  # re-rendered, not redirected
    surgery_form = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "surgeries"
    )
    assert "must be on or after the date of diagnosis" in str(surgery_form.formset.forms[0].errors["date"])
    page = response.content.decode()
    assert 'value="71"' in page and 'value="2020-03-01"' in page
    assert not Surgery.objects.exists()
    tumor.refresh_from_db()
    assert tumor.size_mm == 62


def test_surgery_before_diagnosis_is_refused_on_a_tumor_being_created(browser):
    patient = PatientFactory()
    url = reverse("admin:registry_tumor_add")
    data = form_data(browser.get(url))
    data.update(
        {"patient": patient.pk, "date_of_diagnosis": "2020-03-10", "primary_site": "C48.1", "size_mm": "62"}
    )
    add_inline_row(
        data, "surgeries", {"date": "2020-02-01", "date_precision": "D", "extent": "complete", "margin": "R0"}
    )

    response = browser.post(url, data)

    assert response.status_code == 200
    surgery_form = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "surgeries"
    )
    assert "date" in surgery_form.formset.forms[0].errors
    assert 'value="62"' in response.content.decode()
    assert not Tumor.objects.exists()


def test_the_mesenteric_case_is_entered_in_one_tumor_form(browser):
    patient = PatientFactory(date_of_birth=dt.date(2013, 2, 1))
    url = reverse("admin:registry_tumor_add")
    data = form_data(browser.get(url))
    data.update(
        {"patient": patient.pk, "date_of_diagnosis": "2020-03-10", "primary_site": "C48.1", "size_mm": "62"}
    )
    add_inline_row(
        data,
        "presentation",
        {"detection": "symptoms", "abdominal_pain": "on", "fever": "on", "crp_mg_l": "85"},
    )
    add_inline_row(
        data,
        "surgeries",
        {"date": "2020-03-24", "date_precision": "D", "extent": "incomplete", "margin": "R1"},
    )
    add_inline_row(
        data,
        "molecular_tests",
        {
            "specimen_date": "2020-03-24",
            "specimen_date_precision": "D",
            "gene": "ALK",
            "method": "fish",
            "result": "positive",
            "nuclei_counted": "100",
            "nuclei_rearranged": "38",
        },
    )

    response = browser.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    tumor = Tumor.objects.get()
    assert tumor.presentation.systemic_inflammatory_symptoms
    assert tumor.surgeries.get().margin == "R1"
    assert tumor.molecular_tests.get().nuclei_rearranged == 38
    assert tumor.history.get().history_user.username == "registrar"


def test_dates_are_typed_in_plain_text_boxes(browser):
    page = browser.get(reverse("admin:registry_tumor_add")).content.decode()
    assert 'name="date_of_diagnosis"' in page and 'placeholder="YYYY-MM-DD"' in page
    assert "vDateField" not in page  # no calendar widget
