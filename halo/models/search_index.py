"""SQLite full-text index DDL: FTS5 external-content tables and the triggers that feed them.

Shared by migration 0005 (which creates them) and the migration environment, which calls
ensure_sqlite_fts() after every upgrade: SQLite's batch ALTER (copy, drop, rename) drops
a table's triggers, so a later migration that recreates ticket, message or customer would
otherwise silently stop the index from following new rows.
"""
from sqlalchemy import text

# table -> (fts table, indexed columns); each fts row's rowid is the real row's id.
FTS = {
    "message": ("message_fts", ("body_text",)),
    "ticket": ("ticket_fts", ("subject",)),
    "customer": ("customer_fts", ("name", "email")),
}


def table_sql(table: str) -> str:
    """CREATE VIRTUAL TABLE for one table's index."""
    fts, cols = FTS[table]
    # remove_diacritics 2: "cafe" finds "café"; the prefix index makes "refu*" a direct lookup.
    return (f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(cols)}, content='{table}', "
            f"content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')")


def trigger_sql(table: str) -> dict[str, str]:
    """Trigger name -> CREATE TRIGGER, for insert, delete and update of the indexed columns."""
    fts, cols = FTS[table]
    names = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return {
        f"{fts}_ai": f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"{fts}_ad": f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"{fts}_au": f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} BEGIN {delete} {insert} END",
    }


def ensure_sqlite_fts(connection) -> list[str]:
    """Recreate any missing trigger (and rebuild that index); returns what was repaired."""
    if connection.dialect.name != "sqlite":
        return []
    present = {name for (name,) in connection.execute(
        text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"))}
    repaired = []
    for table, (fts, _cols) in FTS.items():
        if fts not in present or table not in present:
            continue  # before migration 0005, or after its downgrade
        missing = {n: sql for n, sql in trigger_sql(table).items() if n not in present}
        for sql in missing.values():
            connection.execute(text(sql))
        if missing:
            connection.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
            repaired.append(table)
    return repaired
