"""Backup and restore: a consistent copy taken while a writer posts replies, restored into a
new instance and compared row by row and file by file; damaged, changed or foreign archives
and non-empty instances are refused with nothing changed. On SQLite and on PostgreSQL."""
import io
import json
import os
import tarfile
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from halo.extensions import db
from halo.services import backup as backups
from halo.services.accounts import aliases
from halo.services.email import ingest as email_ingest
from halo.services.inbox.counters import rebuild_counters
from halo.services.tickets import replies
from halo.storage import AREAS, get_storage
from tests.backup_support import HeldQueue, empty_instance, every_row  # noqa: F401
from tests.email_support import attachment_dir, sync_queue  # noqa: F401
from tests.factories import make_ticket, make_user
from tests.s3_support import bucket_keys, new_bucket, s3_config, s3_endpoint, s3_storage  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)


def _email(n: int) -> bytes:
    from email.message import EmailMessage
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"c{n}@customer.test", "support@acme.test", f"Files {n}"
    msg["Message-ID"] = f"<files-{n}@customer.test>"
    msg.set_content(f"Attached, number {n}.")
    msg.add_attachment(os.urandom(5000 + n), maintype="application", subtype="octet-stream", filename=f"log{n}.bin")
    return msg.as_bytes()


@pytest.fixture
def source(app, tmp_path, attachment_dir, sync_queue):
    """The app with tickets, threads, email files and an avatar, its own folders and no halo.cfg."""
    saved_instance = app.instance_path
    app.instance_path = str(tmp_path / "source")
    os.makedirs(app.instance_path)
    app.config["HALO_AVATAR_DIR"] = str(tmp_path / "source" / "avatars")
    agent = make_user(email="writer@example.com")
    tickets = [make_ticket(body=f"Question {i}") for i in range(3)]
    for n in range(3):
        email_ingest.receive_email(_email(n), "smtp")
    aliases.create_alias("Ava", PNG)
    db.session.commit()
    yield {"agent": agent.id, "tickets": [t.id for t in tickets]}
    app.instance_path = saved_instance


def _files() -> dict[str, bytes]:
    storage = get_storage()
    return {f"{area}/{name}": storage.open(area, name).read() for area in AREAS for name, _ in storage.list(area)}


class Writer(threading.Thread):
    """Posts replies (email and notes, in turn), noting every row after each commit: an email
    reply commits twice (the message, then its send plan), and a snapshot may fall between."""

    def __init__(self, app, ids):
        super().__init__(daemon=True)
        self.app, self.ids = app, ids
        self.states = [every_row()]  # the database after each of the writer's commits
        self.replies = 0
        self.stop = threading.Event()
        self.cond = threading.Condition()
        self.error = None

    def _record(self, _session):
        with db.engine.connect() as conn:  # only this thread writes: this is the committed state
            state = every_row(conn)
        with self.cond:
            self.states.append(state)
            self.cond.notify_all()

    def run(self):
        try:
            with self.app.app_context():
                event.listen(db.session(), "after_commit", self._record)
                while not self.stop.is_set() and self.replies < 400:
                    n = self.replies
                    replies.post_reply(self.ids["tickets"][n % 3], self.ids["agent"], f"Reply {n}",
                                       ("email", "note")[n % 2])
                    self.replies += 1
                event.remove(db.session(), "after_commit", self._record)
        except BaseException as exc:  # the test reports it
            self.error = exc
            with self.cond:
                self.cond.notify_all()

    def wait_for(self, count: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.states) > count or self.error, timeout=60)
        assert self.error is None, self.error


def test_a_backup_taken_while_replies_are_posted_restores_one_consistent_moment(
        app, source, empty_instance, tmp_path):
    app.extensions["halo_queue"] = HeldQueue()  # sync_queue puts the app's own back afterwards
    files = _files()
    assert len(files) == 4
    writer = Writer(app, source)
    writer.start()
    writer.wait_for(2)

    seen = {}

    def during(step, detail):
        if step == "database":  # the snapshot is taken: replies go on while the files are saved
            seen["at_snapshot"] = len(writer.states)
            writer.wait_for(seen["at_snapshot"] + 1)

    try:
        manifest = backups.backup(str(tmp_path / "backups" / "new-folder"), progress=during)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None
    target = empty_instance()
    with target.app_context():
        backups.restore(manifest["path"])
        restored = every_row()
        restored_files = _files()
    # Exactly the database as it was after some reply k, with no reply torn or missing ...
    moments = [k for k, state in enumerate(writer.states) if state == restored]
    assert moments, "the restored database matches no moment of the writer"
    k = moments[0]
    # ... taken after the writer had started, before the commits it made during the backup.
    assert 2 <= k <= seen["at_snapshot"] < len(writer.states) - 1
    assert len(restored["message"]) > len(writer.states[0]["message"])
    assert restored_files == files
    assert manifest["storage"]["files"] == {"attachments": 3, "avatars": 1}


def test_restore_needs_the_instance_empty_and_changes_nothing_when_it_is_not(app, source, tmp_path):
    manifest = backups.backup(str(tmp_path / "b.tar.gz"))
    before, files = every_row(), _files()
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore(manifest["path"])
    assert every_row() == before and _files() == files


def test_storage_that_holds_files_is_not_empty(app, source, empty_instance, tmp_path):
    manifest = backups.backup(str(tmp_path / "b.tar.gz"))
    target = empty_instance()
    with target.app_context():
        get_storage().save("avatars", "someone_else.png", b"x")
        with pytest.raises(backups.BackupError, match="storage already holds avatars"):
            backups.restore(manifest["path"])
        assert every_row()["ticket"] == []


def _rewrite(path: str, out: str, change=None, extra=None, manifest_change=None) -> None:
    """Copy an archive member by member, changing a member's bytes or the manifest."""
    with tarfile.open(path, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            if change and change[0](info.name):
                data = change[1](data)
            if info.name == "manifest.json" and manifest_change:
                manifest = json.loads(data)
                manifest_change(manifest)
                data = json.dumps(manifest).encode()
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
        for info, data in extra or ():
            dst.addfile(info, io.BytesIO(data) if data is not None else None)


@pytest.mark.parametrize("case, message", [
    ("changed file", "does not match its checksum"),
    ("unlisted member", "its manifest does not list"),
    ("path traversal", "no Halo backup contains"),
    ("symlink", "no Halo backup contains"),
    ("truncated", "cannot be read"),
    ("not gzip", "cannot be read"),
    ("future format", "format version 2"),
    ("newer schema", "unknown to this Halo"),
    ("other engine", "uses"),
])
def test_a_damaged_changed_or_foreign_archive_is_refused_and_nothing_restored(
        app, source, empty_instance, tmp_path, case, message):
    good = backups.backup(str(tmp_path / "good.tar.gz"))["path"]
    bad = str(tmp_path / "bad.tar.gz")
    flip = (lambda name: name.startswith("storage/attachments/"), lambda data: data[:-1] + bytes([data[-1] ^ 1]))
    link = tarfile.TarInfo("storage/avatars/evil.png")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    traversal = tarfile.TarInfo("storage/../../secret_key")
    traversal.size = 1
    other = "sqlite" if db.engine.dialect.name == "postgresql" else "postgresql"
    if case == "changed file":
        _rewrite(good, bad, change=flip)
    elif case == "unlisted member":
        info = tarfile.TarInfo("storage/avatars/added.png")
        info.size = 3
        _rewrite(good, bad, extra=[(info, b"abc")])
    elif case == "path traversal":
        _rewrite(good, bad, extra=[(traversal, b"x")])
    elif case == "symlink":
        _rewrite(good, bad, extra=[(link, None)])
    elif case == "truncated":
        data = open(good, "rb").read()
        open(bad, "wb").write(data[: len(data) // 2])
    elif case == "not gzip":
        open(bad, "wb").write(b"PK\x03\x04 a zip, say")
    elif case == "future format":
        _rewrite(good, bad, manifest_change=lambda m: m.update(version=2))
    elif case == "newer schema":
        _rewrite(good, bad, manifest_change=lambda m: m["database"].update(revision="9999_future"))
    else:
        _rewrite(good, bad, manifest_change=lambda m: m["database"].update(engine=other))
    target = empty_instance()
    with target.app_context():
        key_before = open(os.path.join(target.instance_path, "secret_key")).read()
        with pytest.raises(backups.BackupError, match=message):
            backups.restore(bad)
        assert _files() == {}
        assert open(os.path.join(target.instance_path, "secret_key")).read() == key_before


def test_another_secret_key_in_the_environment_is_refused_before_any_change(app, source, empty_instance, tmp_path):
    path = backups.backup(str(tmp_path / "b.tar.gz"))["path"]
    target = empty_instance(SECRET_KEY="a-different-key")
    with target.app_context():
        with pytest.raises(backups.BackupError, match="SECRET_KEY is set"):
            backups.restore(path)
        assert _files() == {} and every_row()["user"] == []


def test_the_cli_backs_up_into_a_new_folder_checks_and_restores(app, source, empty_instance, tmp_path):
    with open(os.path.join(app.instance_path, "halo.cfg"), "w") as f:
        f.write('HALO_DOMAIN = "help.acme.test"\n')
    result = app.test_cli_runner().invoke(args=["halo", "backup", str(tmp_path / "nightly" / "dec")])
    assert result.exit_code == 0, result.output
    [name] = os.listdir(tmp_path / "nightly" / "dec")
    path = str(tmp_path / "nightly" / "dec" / name)
    assert name.startswith("halo-backup-") and name.endswith(".tar.gz")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    again = app.test_cli_runner().invoke(args=["halo", "backup", path])
    assert again.exit_code != 0 and "already exists" in again.output
    target = empty_instance()
    runner = target.test_cli_runner()
    with target.app_context():  # the command runs in the app whose context is current
        check = runner.invoke(args=["halo", "restore", "--check", path])
        assert check.exit_code == 0 and "intact" in check.output, check.output
        done = runner.invoke(args=["halo", "restore", path])
        assert done.exit_code == 0, done.output
        assert len(every_row()["email_attachment"]) == 3
        refused = runner.invoke(args=["halo", "restore", path])
        assert refused.exit_code != 0 and "not empty" in refused.output
    assert open(os.path.join(target.instance_path, "secret_key")).read() == app.config["SECRET_KEY"]
    assert open(os.path.join(target.instance_path, "halo.cfg")).read() == 'HALO_DOMAIN = "help.acme.test"\n'


def test_files_in_a_bucket_are_backed_up_and_restored_into_another(
        app, s3_storage, source, empty_instance, s3_endpoint, tmp_path):
    in_bucket = bucket_keys(s3_storage)
    assert len(in_bucket) == 4 and not os.path.exists(app.config["HALO_ATTACHMENT_DIR"])
    manifest = backups.backup(str(tmp_path / "b.tar.gz"))
    assert manifest["storage"]["backend"] == "s3" and manifest["storage"]["files"] == {"attachments": 3, "avatars": 1}
    other = new_bucket(s3_endpoint)
    target = empty_instance(**other)
    with target.app_context():
        backups.restore(manifest["path"])
        assert len(every_row()["email_attachment"]) == 3
    assert sorted(bucket_keys(other).items()) == sorted(in_bucket.items())


def test_a_migrated_but_unused_instance_counts_as_empty(app, source, empty_instance, tmp_path):
    """`flask db upgrade` and `halo recount` ran on the new instance (as `make run` does), and
    nobody used it: only bookkeeping rows. The restore replaces its schema whole."""
    path = backups.backup(str(tmp_path / "b.tar.gz"))["path"]
    expected = every_row()
    target = empty_instance()
    with target.app_context():
        upgrade()
        rebuild_counters()
        backups.restore(path)
        restored = every_row()
    assert restored == expected
