"""One version string: pyproject.toml's [project] version is what the API schema, reports and export
bundles state."""

import tomllib
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

from config.version import VERSION
from outcomes.cohorts import bundle
from outcomes.reports import services as report_services

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def test_the_version_is_the_one_in_pyproject():
    assert VERSION == _pyproject_version()


def test_the_api_schema_states_the_project_version():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["info"]["version"] == _pyproject_version()


def test_reports_and_bundle_manifests_state_the_project_version():
    assert report_services.software_version().startswith(f"imt-registry {_pyproject_version()};")
    assert bundle.software_version()["imt_registry"] == _pyproject_version()
