"""The project's version, read once from [project] version in pyproject.toml (the one place it is written).

Reports, export-bundle manifests and the API schema take it from here.
"""

import importlib.metadata
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
DISTRIBUTION = "imt-registry"


def read_version() -> str:
    """The source tree's version; an installed copy without its pyproject.toml asks the package metadata."""
    try:
        with PYPROJECT.open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


VERSION = read_version()
