"""`flask halo upgrade`: a backup of the database as it was, then the migration to this
version; nothing at all when the schema is current; a failed migration names the backup.
On SQLite and on PostgreSQL (a fresh database of the test server)."""
import flask_migrate
from flask_migrate import upgrade
from sqlalchemy import text

from halo.extensions import db
from halo.services import backup as backups
from halo.services.ops import health
from tests.backup_support import empty_instance  # noqa: F401

OLDER = "0016_sign_in_security"  # any revision before the head will do


def _older_instance(empty_instance):  # noqa: F811
    other = empty_instance()
    with other.app_context():
        upgrade(revision=OLDER)
        db.session.execute(text("INSERT INTO customer (id, name, traits, created_at) "
                                "VALUES (1, 'Quinn', '{}', '2026-12-01 09:00:00')"))
        db.session.commit()
    return other


def _run(app, *args):
    with app.app_context():  # the command runs in the open context: this instance's
        result = app.test_cli_runner().invoke(args=["halo", "upgrade", *args])
        db.session.remove()
    return result


def _revision(app):
    with app.app_context():
        return health.schema_revisions()


def test_upgrade_backs_up_then_migrates_and_keeps_every_row(empty_instance, tmp_path):  # noqa: F811
    other = _older_instance(empty_instance)
    result = _run(other, "--backup-to", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    assert f"-> {health.schema_head()}" in result.output and "upgraded to" in result.output
    assert _revision(other) == [health.schema_head()]
    with other.app_context():
        assert db.session.execute(text("SELECT name FROM customer")).scalars().all() == ["Quinn"]
        db.session.remove()
    archives = list((tmp_path / "backups").iterdir())
    assert len(archives) == 1 and f"Backup written: {archives[0]}" in result.output
    with other.app_context():
        manifest = backups.verify(str(archives[0]))
    assert manifest["database"]["revision"] == OLDER  # the database as it was before

    again = _run(other, "--backup-to", str(tmp_path / "backups"))
    assert again.exit_code == 0 and "up to date" in again.output
    assert len(list((tmp_path / "backups").iterdir())) == 1  # nothing to migrate: no backup


def test_a_failed_migration_says_where_the_backup_is(empty_instance, tmp_path, monkeypatch):  # noqa: F811
    other = _older_instance(empty_instance)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full\nsecond line")
    monkeypatch.setattr(flask_migrate, "upgrade", broken)
    result = _run(other, "--backup-to", str(tmp_path / "backups"))
    assert result.exit_code == 1
    archive = next((tmp_path / "backups").iterdir())
    assert "The migration failed: disk full." in result.output
    assert f"halo restore {archive}" in result.output
    assert _revision(other) == [OLDER]


def test_no_backup_and_an_empty_database(empty_instance, tmp_path):  # noqa: F811
    fresh = empty_instance()
    result = _run(fresh, "--backup-to", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    assert "Backing up" not in result.output and not (tmp_path / "backups").exists()
    assert _revision(fresh) == [health.schema_head()]

    older = _older_instance(empty_instance)
    result = _run(older, "--no-backup", "--backup-to", str(tmp_path / "backups"))
    assert result.exit_code == 0 and not (tmp_path / "backups").exists()
