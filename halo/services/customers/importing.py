"""Importing customers from a CSV file: a preview first, then the good rows.

The file is read with the csv module: UTF-8 (a byte-order mark is dropped; a file that is
not UTF-8 is read as Windows-1252, what spreadsheets save "CSV" as), the delimiter sniffed
among , ; and tab. Columns email, name and language fill the profile; every other column
is a trait. The preview checks each row (a bad email, an email twice in the file, a value
over its length, a row with neither name nor email) and stores the good rows; the import
then writes them: an email Halo knows updates that customer's traits (and fills a blank
name or language) instead of making a second one.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Customer, CustomerAddress, CustomerImport
from halo.services.access import roles
from halo.services.customers.profiles import (
    MAX_TRAIT_VALUE,
    check_email,
    check_language,
    merged_traits,
)
from halo.services.errors import NotFound, ValidationError
from halo.services.inbox.filters import TRAIT_KEY

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_NAME = 200
CHUNK = 500
COLUMNS = {"email": "email", "e-mail": "email", "email address": "email", "email_address": "email",
           "name": "name", "full name": "name", "full_name": "name",
           "language": "language", "lang": "language", "locale": "language"}


class FileError(ValidationError):
    """The file as a whole cannot be read (too large, not CSV, no email or name column)."""


@dataclass
class Row:
    line: int
    email: str | None = None
    name: str = ""
    language: str | None = None
    traits: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    action: str = "new"  # new | update | error


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t")
    except csv.Error:  # one column, or too little to tell
        return csv.excel


def _header(cells: list[str]) -> list[tuple[str, str]]:
    """Each column as (kind, name): ('email'|'name'|'language', '') or ('trait', key)."""
    out, bad = [], []
    for cell in cells:
        label = " ".join(cell.split())
        known = COLUMNS.get(label.lower())
        if known:
            out.append((known, ""))
            continue
        key = label.replace(" ", "_")
        if not TRAIT_KEY.match(key):
            bad.append(label or "(empty)")
        out.append(("trait", key))
    if bad:
        raise FileError(gettext("Column names must be email, name, language or a trait name of letters, digits, '_', '.', '-' (up to 64): %(join)s.", join=', '.join(bad)))
    kinds = [k for k, _ in out]
    if "email" not in kinds and "name" not in kinds:
        raise FileError(gettext("The first line must name the columns, with at least an email or a name column."))
    dupes = {c for c in out if out.count(c) > 1}
    if dupes:
        raise FileError(gettext("Column %(value)s appears twice.", value=f'{sorted((n or k for k, n in dupes))[0]!r}'))
    return out


def parse_csv(data: bytes) -> tuple[list[Row], str, str]:
    """Every data row of the file, checked; the encoding and the delimiter it was read with."""
    if len(data) > MAX_BYTES:
        raise FileError(gettext("The file is %(value)s MB; an import takes at most %(value2)s MB (split it into several files).", value=f'{len(data) / 1048576:.1f}', value2=MAX_BYTES // 1048576))
    text, encoding = decode(data)
    if not text.strip():
        raise FileError(gettext("The file is empty."))
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        columns = _header(next(reader))
        rows, seen = [], {}
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileError(gettext("An import takes at most %(MAX_ROWS)s rows (split the file).", MAX_ROWS=f'{MAX_ROWS:,}'))
            rows.append(_row(reader.line_num, columns, cells, seen))
    except csv.Error as exc:
        raise FileError(gettext("Line %(line_num)s cannot be read as CSV (%(exc)s).", line_num=reader.line_num, exc=exc)) from None
    return rows, encoding, getattr(dialect, "delimiter", ",")


def _row(line: int, columns, cells: list[str], seen: dict) -> Row:
    row = Row(line=line)
    if len(cells) > len(columns):
        row.errors.append(f"{len(cells)} values, but the header names {len(columns)} columns.")
    for (kind, key), raw in zip(columns, cells):
        value = raw.strip()
        if not value:
            continue
        if kind == "email":
            try:
                row.email = check_email(value)
            except ValidationError:
                row.errors.append(f"{value[:80]!r} is not an email address.")
        elif kind == "name":
            if len(value) > MAX_NAME:
                row.errors.append(f"The name is {len(value)} characters (at most {MAX_NAME}).")
            row.name = " ".join(value.split())[:MAX_NAME]
        elif kind == "language":
            try:
                row.language = check_language(value)
            except ValidationError as exc:
                row.errors.append(str(exc))
        elif len(value) > MAX_TRAIT_VALUE:
            row.errors.append(f"{key} is {len(value)} characters (at most {MAX_TRAIT_VALUE}).")
        else:
            row.traits[key] = value
    if not row.email and not row.name and not row.errors:
        row.errors.append("A row needs an email or a name.")
    if row.email and row.email in seen:
        row.errors.append(f"{row.email} is also on line {seen[row.email]}.")
    elif row.email and not row.errors:  # a row that is not imported leaves its email to a later one
        seen[row.email] = line
    if row.errors:
        row.action = "error"
    return row


def _known(emails: list[str]) -> dict[str, int]:
    """Email -> the id of the customer it belongs to (profile email or other address)."""
    found = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start:start + CHUNK]
        found.update(db.session.execute(select(Customer.email, Customer.id).where(Customer.email.in_(chunk))).all())
        found.update(db.session.execute(select(CustomerAddress.email, CustomerAddress.customer_id)
                                        .where(CustomerAddress.email.in_(chunk))).all())
    return found


def preview_import(user_id: int | None, data: bytes, filename: str = "",
                   now: datetime | None = None) -> tuple[CustomerImport, list[Row]]:
    """Check a file and keep its good rows for run_import; returns the stored preview and every row."""
    roles.require(user_id, "work")
    rows, encoding, delimiter = parse_csv(data)
    known = _known([r.email for r in rows if r.email and r.action != "error"])
    for row in rows:
        if row.action != "error" and row.email in known:
            row.action = "update"
    counts = {a: sum(1 for r in rows if r.action == a) for a in ("new", "update", "error")}
    good = [{"email": r.email, "name": r.name, "language": r.language, "traits": r.traits}
            for r in rows if r.action != "error"]
    record = CustomerImport(user_id=user_id, filename=(filename or "")[:255], rows=good,
                            summary={**counts, "encoding": encoding, "delimiter": delimiter},
                            created_at=now or clock.now())
    db.session.add(record)
    db.session.commit()
    return record, rows


def run_import(user_id: int | None, import_id: int, now: datetime | None = None) -> dict:
    """Write a previewed import's good rows: new customers made, known ones updated."""
    roles.require(user_id, "work")
    record = db.session.get(CustomerImport, import_id)
    if record is None or (user_id is not None and record.user_id != user_id):
        raise NotFound(gettext("That import does not exist (start again with the file)."))
    if record.imported_at is not None:
        raise ValidationError(gettext("That import has already run."))
    now = now or clock.now()
    known = _known([r["email"] for r in record.rows if r["email"]])
    created = updated = 0
    failed = []
    for row in record.rows:
        customer = db.session.get(Customer, known[row["email"]]) if row["email"] in known else None
        try:
            if customer is None:
                db.session.add(Customer(email=row["email"], name=row["name"], language=row["language"],
                                        traits=merged_traits({}, row["traits"]), created_at=now))
                created += 1
            else:
                customer.traits = merged_traits(customer.traits, row["traits"])
                customer.name = customer.name or row["name"]
                customer.language = customer.language or row["language"]
                updated += 1
        except ValidationError as exc:  # e.g. the customer's traits would pass the limit
            failed.append(f"{row['email'] or row['name']}: {exc}")
    record.imported_at, record.rows = now, []
    record.result = {"created": created, "updated": updated, "failed": failed}
    db.session.commit()
    return record.result
