"""Write the registry as FHIR R4B NDJSON shaped after mCODE (the same file and log row as the API export)."""

from outcomes.interop import services
from outcomes.interop.export_command import RegistryFileExportCommand


class Command(RegistryFileExportCommand):
    help = "Export the registry (withdrawn consent excluded) as FHIR R4B NDJSON; every export is logged."
    start = staticmethod(services.fhir_export_start)
    chunks = staticmethod(services.fhir_export_chunks)
