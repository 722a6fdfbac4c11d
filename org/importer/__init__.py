"""Import units, staff and reporting lines from CSV or XLSX files (the shape HR systems export).

Rules this module enforces:
- Every row of every file is validated before anything is written; any bad row means nothing is
  written at all (one transaction), and every bad row is reported as (line, column, reason) with
  the line numbers a person sees in the file (the header is line 1).
- Re-importing the same file changes nothing: units upsert on `unit_code`, staff on
  `index_number`, users on email, and reporting lines per (staff member, cycle) only when the FRO
  or SRO changes; a change closes the current line (effective_to) and opens the next.
- An HR focal point imports only within the entities they hold `import_entity_staff` on, and
  changes only accounts of staff in those entities: never a superuser's or staff
  administrator's login, never a login without a staff profile, never the email of a
  privileged account (`permissions.privileged_accounts`); a system administrator may do these.
- Changing the email of a staff member's account tells the old address once the import commits.
- Putting a staff member on or off probation, or to or from a technical-cooperation contract,
  is logged once the import commits (`org.services.log_special_schedule_changes`).

What a file holds is told by its header (see `COLUMNS`); an XLSX workbook may carry the three
kinds as sheets named `units`, `staff` and `lines`. Whatever the order of files or sheets, units
are written first, then users and staff, then reporting lines, so cross-references work.

Three steps, a module each: `read` (files into tables of rows), `validate` (every row checked
and planned against the database) and `write` (the plan written in bulk). Rows are checked
field by field instead of `full_clean()` per object: that would cost a query per row (unique
and foreign-key checks) and 40,000 rows must import in seconds.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from org.models import User
from org.permissions import importable_entity_ids
from pmsystem.db import unprepared
from pmsystem.errors import ApplicationError

from .read import COLUMNS, ImportResult, Table, read_tables
from .validate import _Import
from .write import notify_email_changes, write

__all__ = ["COLUMNS", "ImportResult", "import_org"]


def import_org(
    *,
    files: Sequence[tuple[str, bytes | IO[bytes]]],
    actor: User | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> ImportResult:
    """Validate every row of the files, then write them all in one transaction, or nothing.

    `files` are (file name, content) pairs; the name's extension (.csv or .xlsx) says how to read
    it. `actor` None means the system (the management command): no entity scope. An HR focal
    point may only touch units, staff and reporting lines of the entities they import for.
    With `dry_run`, or when any row is bad, nothing is written; the result says what would be.
    """
    scope = None if actor is None else importable_entity_ids(actor)
    if scope is not None and not scope:
        raise ApplicationError(gettext("You may not import staff, units or reporting lines."))
    result = ImportResult(dry_run=dry_run)
    tables: list[Table] = []
    for name, content in files:
        data = content if isinstance(content, bytes) else content.read()
        file_tables, errors, warnings = read_tables(name, data)
        tables += file_tables
        result.errors += errors
        result.warnings += warnings
    if result.errors:
        return result  # a file that cannot be read, or a missing column: fix that first
    if not any(table.rows for table in tables):
        result.warnings.append(gettext("There were no rows to import."))
    try:
        # Unprepared: the tables fill as the import runs (`pmsystem.db.unprepared`).
        with transaction.atomic(), unprepared():
            job = _Import(tables, scope=scope, today=today or timezone.localdate())
            job.validate()
            result.errors = sorted(
                job.errors, key=lambda e: (_source_order(tables, e.source), e.line)
            )
            result.counts = job.counts
            if result.ok and not dry_run:
                write(job, actor)
                notify_email_changes(job, actor)
    except IntegrityError as exc:
        raise ApplicationError(
            gettext(
                "The organisation changed while this file was being imported, so nothing was "
                "written. Import the file again."
            )
        ) from exc
    return result


def _source_order(tables: list[Table], source: str) -> int:
    for position, table in enumerate(tables):
        if table.source == source:
            return position
    return len(tables)
