"""Helpers for the NAACCR XML tests: run an export, parse it, validate it against the 1.8 schema."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from functools import lru_cache

import xmlschema
from django.conf import settings

from outcomes.interop import services

NS = {"n": "http://naaccr.org/naaccrxml"}


@lru_cache(maxsize=1)
def naaccr_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(settings.BASE_DIR / "fixtures" / "naaccr" / "naaccr_data_1.8.xsd"))


def export_bytes(*, identified: bool = True, user=None, chunk_size: int = 500) -> bytes:
    log = services.naaccr_export_start(user=user, identified=identified)
    return b"".join(
        services.naaccr_export_chunks(log_id=log.pk, identified=identified, chunk_size=chunk_size)
    )


def items(element) -> dict[str, str]:
    return {item.get("naaccrId"): item.text for item in element.findall("n:Item", NS)}


def parse(data: bytes) -> dict[str, dict]:
    """{patientIdNumber: {"items": {...}, "tumors": [{...}, ...]}}"""
    root = ET.fromstring(data)
    patients = {}
    for patient in root.findall("n:Patient", NS):
        patient_items = items(patient)
        patients[patient_items["patientIdNumber"]] = {
            "items": patient_items,
            "tumors": [items(t) for t in patient.findall("n:Tumor", NS)],
        }
    return patients


def assert_valid(data: bytes) -> None:
    naaccr_schema().validate(io.BytesIO(data))
