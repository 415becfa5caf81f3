"""Prove a backup restores: dump the database (or take a given dump), restore it into a scratch
database, compare the record's row counts with the live ones, and drop the scratch database."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from pathlib import Path

import psycopg2
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg2 import sql

CHECKED_APPS = ("registry", "quality", "surveillance", "cohorts", "reports")


def _pg_env(db: dict) -> dict:
    env = {
        **os.environ,
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "postgres",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # in the environment, never on the command line
    return env


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Restore a dump (default: a fresh pg_dump of this database) into a scratch database and compare row counts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dump", help="A pg_dump custom-format file to check (default: dump the database now)."
        )

    def handle(self, *args, dump=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Backups are checked on PostgreSQL only (the SQLite demo is rebuilt with make demo-data)."
            )
        db = connection.settings_dict
        env = _pg_env(db)
        tables = sorted(
            m._meta.db_table for name in CHECKED_APPS for m in apps.get_app_config(name).get_models()
        )
        with connection.cursor() as cursor:
            live = _counts(cursor, tables)
        scratch = f"imt_restore_check_{secrets.token_hex(4)}"
        with tempfile.TemporaryDirectory() as folder:
            if dump is None:
                dump = str(Path(folder) / "registry.dump")
                self._run(["pg_dump", "--format=custom", "--file", dump, db["NAME"]], env, "pg_dump")
            elif not Path(dump).is_file():
                raise CommandError("--dump: no such file.")
            self._run(["createdb", scratch], env, "createdb")
            try:
                self._run(
                    ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", scratch, dump],
                    env,
                    "pg_restore",
                )
                with (
                    psycopg2.connect(
                        dbname=scratch,
                        host=env["PGHOST"],
                        port=env["PGPORT"],
                        user=env["PGUSER"],
                        password=db.get("PASSWORD") or None,
                    ) as restored,
                    restored.cursor() as cursor,
                ):
                    copied = _counts(cursor, tables)
                restored.close()
            finally:
                self._run(["dropdb", "--if-exists", scratch], env, "dropdb")
        differing = [t for t in tables if live[t] != copied[t]]
        for table in tables:
            self.stdout.write(f"  {table:<40} {live[table]:>10,} {copied[table]:>10,}")
        if differing:
            raise CommandError(
                f"The restored copy differs in {len(differing)} table(s): {', '.join(differing)}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup restored and verified: {len(tables)} tables, {sum(live.values()):,} rows."
            )
        )

    def _run(self, command: list[str], env: dict, what: str) -> None:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            # The tools' messages name databases and files, not patient data.
            raise CommandError(
                f"{what} failed: {result.stderr.strip().splitlines()[-1] if result.stderr else result.returncode}"
            )
