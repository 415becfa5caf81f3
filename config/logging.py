"""A logging filter that keeps database error details out of every log line.

PostgreSQL errors carry `DETAIL: Failing row contains (...)`, that is patient data; Celery and Django
log a failing task's or request's exception verbatim. The filter replaces such an exception by its
class name and cuts any message at its DETAIL part."""

import logging

SENSITIVE_MARKERS = ("DETAIL:", "Failing row contains")


def _is_database_error(exc: BaseException | None) -> bool:
    while exc is not None:
        module = type(exc).__module__
        if module.startswith(("psycopg2", "django.db", "sqlite3")):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class RedactDatabaseErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and _is_database_error(record.exc_info[1]):
            name = type(record.exc_info[1]).__name__
            record.msg = f"{record.getMessage()} [{name}; details withheld]"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        message = record.getMessage()
        for marker in SENSITIVE_MARKERS:
            if marker in message:
                record.msg = message.split(marker)[0] + "[details withheld]"
                record.args = None
                break
        return True
