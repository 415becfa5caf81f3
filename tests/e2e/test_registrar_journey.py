"""Registrar journey in a real browser: search by MRN, add the patient, enter the tumor, get the surgery date
refused on its field with her typing kept, fix it, read the derived values and the history."""

import pytest

from registry.models import Patient
from tests.e2e.conftest import log_in, with_password
from tests.factories import InstitutionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MRN = "MRN7700001"


def choose_in_autocomplete(page, field: str, typed: str, option_text: str) -> None:
    """Pick a value in the admin's select2 autocomplete box, as a person does: open, type, click."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    page.click(f".select2-results__option:has-text('{option_text}')")


def test_a_registrar_enters_a_new_case_and_a_refused_surgery_date_keeps_her_typing(page, registrar):
    InstitutionFactory(code="INST001", name="Children's Hospital of the Lakes")
    log_in(page, "/admin/login/?next=/admin/registry/patient/", with_password(registrar))

    page.fill("#searchbar", MRN)
    page.press("#searchbar", "Enter")
    assert "0 patients" in page.locator("p.paginator").inner_text()

    page.click(".object-tools a.addlink")  # "Add patient", top right
    choose_in_autocomplete(page, "institution", "Lakes", "Lakes")
    page.fill("#id_medical_record_number", MRN)
    page.fill("#id_last_name", "Lindqvist")
    page.fill("#id_first_name", "Maja")
    page.fill("#id_date_of_birth", "2013-02-01")
    page.select_option("#id_sex", label="Female")
    page.click("input[name=_save]")
    assert "was added successfully" in page.locator("ul.messagelist").inner_text()
    patient = Patient.objects.get(medical_record_number=MRN)

    page.goto("/admin/registry/tumor/add/")
    choose_in_autocomplete(page, "patient", MRN, patient.registry_number_display)
    page.fill("#id_date_of_diagnosis", "2020-03-10")
    page.select_option("#id_primary_site", value="C48.1")
    page.fill("#id_size_mm", "62")
    page.click("#surgeries-group .add-row a")
    page.fill("#id_surgeries-0-date", "2020-03-01")  # mistyped: before the diagnosis
    page.select_option("#id_surgeries-0-extent", value="incomplete")
    page.select_option("#id_surgeries-0-margin", value="R1")
    page.click("#molecular_tests-group .add-row a")
    page.fill("#id_molecular_tests-0-specimen_date", "2020-03-24")
    page.select_option("#id_molecular_tests-0-gene", value="ALK")
    page.select_option("#id_molecular_tests-0-method", value="fish")
    page.select_option("#id_molecular_tests-0-result", value="positive")
    page.fill("#id_molecular_tests-0-nuclei_counted", "100")
    page.fill("#id_molecular_tests-0-nuclei_rearranged", "38")
    page.click("input[name=_continue]")

    date_cell = page.locator("#surgeries-group td.field-date")
    assert "must be on or after the date of diagnosis" in date_cell.locator(".errorlist").inner_text()
    assert page.input_value("#id_size_mm") == "62"
    assert page.input_value("#id_surgeries-0-margin") == "R1"
    assert page.input_value("#id_molecular_tests-0-nuclei_rearranged") == "38"
    page.screenshot(path="/tmp/e2e-registrar-refused.png", full_page=True)

    page.fill("#id_surgeries-0-date", "2020-03-24")
    page.click("input[name=_continue]")
    assert "was added successfully" in page.locator("ul.messagelist").inner_text()
    page.reload()  # the derived columns are written when the save commits
    assert "Abdomen" in page.locator(".field-site_group .readonly").inner_text()
    assert "ositive" in page.locator(".fieldBox.field-alk_status .readonly").inner_text()
    page.screenshot(path="/tmp/e2e-registrar-tumor.png", full_page=True)

    page.click("a.historylink")
    assert "registrar" in page.locator("#change-history").inner_text()
