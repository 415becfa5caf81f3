"""The import contracts in pyproject.toml hold on the tree, and each one fails on a deliberate violation.

Each violation is a throwaway module written into a copy of the project's packages, so the checked-out
tree is never touched; `lint-imports` then runs on that copy with the project's own configuration.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("registry", "outcomes", "config")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_tree_keeps_every_import_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


VIOLATIONS = [
    pytest.param(
        "registry/_contract_probe.py",
        "from outcomes.estimates import *  # noqa\n",
        "registry (the record) never imports outcomes",
        id="registry-imports-outcomes",
    ),
    pytest.param(
        "outcomes/statistics/_contract_probe.py",
        "from django.db import models  # noqa\n",
        "outcomes.statistics imports no Django",
        id="statistics-imports-django",
    ),
    pytest.param(
        # Indirectly: a module that itself imports Django (and the record) counts too.
        "outcomes/statistics/_contract_probe.py",
        "import outcomes.cohorts.criteria  # noqa\n",
        "outcomes.statistics imports no Django",
        id="statistics-imports-django-through-another-module",
    ),
    pytest.param(
        # A deferred import inside a function is refused as well: config names apps only as strings.
        "config/_contract_probe.py",
        "def patterns():\n    from registry.api import urls  # noqa\n\n    return urls\n",
        "config imports no app module",
        id="config-imports-an-app-lazily",
    ),
]


@pytest.mark.parametrize("module, source, contract", VIOLATIONS)
def test_a_deliberate_violation_breaks_its_contract(project_copy, module, source, contract):
    probe = project_copy / module
    probe.write_text(source)
    try:
        result = _lint_imports(project_copy)
    finally:
        probe.unlink()
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    assert module.removesuffix(".py").replace("/", ".") in broken
    assert "1 broken" in result.stdout
