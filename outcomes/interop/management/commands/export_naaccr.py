"""Write the registry as a NAACCR XML file (the same file and log row as the API export)."""

from outcomes.interop import services
from outcomes.interop.export_command import RegistryFileExportCommand


class Command(RegistryFileExportCommand):
    help = "Export the registry (withdrawn consent excluded) as NAACCR XML; every export is logged."
    start = staticmethod(services.naaccr_export_start)
    chunks = staticmethod(services.naaccr_export_chunks)
