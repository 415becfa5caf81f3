"""The registry admin proves last night's backup restores: dump, restore to scratch, same row counts."""

import pytest
from django.core.management import call_command

from tests.factories import ImagingStudyFactory, TumorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fresh_dump_restores_with_the_same_row_counts(capsys):
    ImagingStudyFactory(tumor=TumorFactory())
    call_command("check_backup")
    out = capsys.readouterr().out
    assert "Backup restored and verified" in out
    assert "registry_imagingstudy" in out


def test_a_missing_dump_file_is_refused_clearly(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--dump: no such file"):
        call_command("check_backup", "--dump", str(tmp_path / "nope.dump"))
