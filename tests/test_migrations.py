"""The migrations build the schema the models describe, on SQLite and on PostgreSQL (the
suite's database was made by `upgrade()`, as `make run` makes it)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from halo.extensions import db


def _made_by_hand(diff) -> bool:
    """Search objects the migrations create in SQL the models do not describe: SQLite's
    FTS5 tables, PostgreSQL's search_vector columns with their GIN and BRIN indexes."""
    kind, subject = diff[0], diff[1] if len(diff) > 1 else None
    if kind == "remove_table":
        return "_fts" in subject.name
    if kind == "remove_index":
        return subject.name.endswith(("_search", "_id_brin"))
    if kind == "remove_column":
        return diff[3].name == "search_vector"
    return False


def _sqlite_inline_reference(diff) -> bool:
    """message.inbound_id's REFERENCES ... ON DELETE SET NULL was added inline by ADD COLUMN
    (0002_email); SQLite's reflection reads it back without the ON DELETE."""
    if diff[0] not in ("remove_fk", "add_fk"):
        return False
    return diff[1].parent.name == "message" and [c.name for c in diff[1].columns] == ["inbound_id"]


def _sqlite_nullable_inbox(diff) -> bool:
    """ticket.inbox_id was added by ADD COLUMN with its REFERENCES clause (0011), which SQLite
    allows only for a nullable column while foreign keys are on; the flush hook fills it."""
    if not isinstance(diff, list) or diff[0][0] != "modify_nullable":
        return False
    return diff[0][2:4] == ("ticket", "inbox_id")


def test_the_migrated_schema_is_the_models_schema(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
        sqlite = conn.dialect.name == "sqlite"
    left = [d for d in diffs if not _made_by_hand(d)
            and not (sqlite and (_sqlite_inline_reference(d) or _sqlite_nullable_inbox(d)))]
    assert left == []
