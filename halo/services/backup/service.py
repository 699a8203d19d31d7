"""backup() and restore(): the database, every stored file, the secret key and halo.cfg."""
import io
import os
import secrets
import shutil
import tempfile
from typing import Callable

from flask import current_app
from flask_babel import gettext

from halo import clock
from halo.config import ENV_KEYS
from halo.services.backup import archive, database
from halo.services.backup.errors import BackupError
from halo.storage import AREAS, FileMissing, StorageError, get_storage

Progress = Callable[[str, str], None] | None
SUFFIXES = (".tar.gz", ".tgz")


def _say(progress: Progress, step: str, detail: str) -> None:
    if progress:
        progress(step, detail)


def archive_path(dest: str) -> str:
    """DEST ending in .tar.gz or .tgz is the archive; anything else is a folder for it."""
    dest = os.path.abspath(dest)
    if dest.endswith(SUFFIXES) and not os.path.isdir(dest):
        folder, path = os.path.dirname(dest), dest
    else:
        folder = dest
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        path = os.path.join(folder, f"halo-backup-{stamp}.tar.gz")
        for n in range(2, 100):
            if not os.path.exists(path):
                break
            path = os.path.join(folder, f"halo-backup-{stamp}-{n}.tar.gz")
    if os.path.exists(path):
        raise BackupError(gettext("%(path)s already exists; a backup never overwrites one.", path=path))
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise BackupError(gettext("Cannot create %(folder)s: %(strerror)s", folder=folder, strerror=exc.strerror)) from None
    return path


def backup(dest_path: str, progress: Progress = None) -> dict:
    """Write one archive of this instance into dest_path; returns its manifest (with "path")."""
    path = archive_path(dest_path)
    work = tempfile.mkdtemp(prefix=".halo-backup-", dir=os.path.dirname(path))
    writer = None
    try:
        writer = archive.ArchiveWriter(path)
        now = clock.now().timestamp()
        # The database first: every file a saved row names was stored before its row committed.
        member, db_file, facts = database.dump(work)
        _say(progress, "database", f"{facts['engine']} at revision {facts['revision']}")
        writer.add_file(member, db_file, now)
        os.unlink(db_file)
        key = current_app.config["SECRET_KEY"].encode()
        writer.add("instance/secret_key", io.BytesIO(key), len(key), now)
        cfg = os.path.join(current_app.instance_path, "halo.cfg")
        if os.path.isfile(cfg):
            writer.add_file("instance/halo.cfg", cfg, os.stat(cfg).st_mtime)
        counts = {area: _add_area(writer, area, now) for area in AREAS}
        for area in AREAS:
            _say(progress, area, f"{counts[area]} files")
        manifest = writer.finish({
            "created_at": clock.now().isoformat(timespec="seconds") + "Z",
            "database": facts, "storage": {**get_storage().describe(), "files": counts},
            # Names only: values (passwords among them) stay in the deployment's environment.
            "environment": sorted(k for k in ENV_KEYS if k in os.environ)}, now)
    except BaseException as exc:  # an interrupted backup leaves no partial archive either
        if writer:
            writer.abort()
        if isinstance(exc, (OSError, StorageError)):
            raise BackupError(gettext("The backup failed and was removed: %(exc)s", exc=exc)) from None
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _say(progress, "archive", path)
    return {**manifest, "path": path}


def _add_area(writer: archive.ArchiveWriter, area: str, now: float) -> int:
    storage, count = get_storage(), 0
    for name, _size in storage.list(area):
        try:
            stored = storage.open(area, name)
        except FileMissing:
            continue
        stream = open(stored.path, "rb") if stored.path else stored.stream
        with stream:
            writer.add(f"storage/{area}/{name}", stream, stored.size, now)
        count += 1
    return count


def verify(archive_path_: str) -> dict:
    """Read the whole archive and check it against its manifest; returns the manifest."""
    return archive.verify(archive_path_)[0]


def restore(archive_file: str, progress: Progress = None) -> dict:
    """Check the archive, then restore it into this instance, which must be empty."""
    if not os.path.isfile(archive_file):
        raise BackupError(gettext("%(archive_file)s is not a file.", archive_file=archive_file))
    manifest, instance_files = archive.verify(archive_file)
    _say(progress, "verified", f"{len(manifest['files'])} files match their checksums")
    facts = manifest["database"]
    _check_target(facts)
    _check_key(instance_files["instance/secret_key"].decode())
    written, db_temp, storage = [], None, get_storage()
    try:
        db_temp = _unpack(archive_file, manifest, instance_files, written)
        _say(progress, "files", f"{len(written)} files stored ({storage.kind})")
        database.load(db_temp, facts)
        _say(progress, "database", f"{facts['engine']} at revision {facts['revision']}")
        _write_instance(instance_files, progress)
    except BaseException as exc:
        for area, name in written:  # leave the instance as empty as it was
            try:
                storage.delete(area, name)
            except StorageError:
                pass
        if isinstance(exc, OSError):
            raise BackupError(gettext("The restore failed and what it stored was removed: %(exc)s", exc=exc)) from None
        raise
    finally:
        if db_temp and os.path.exists(db_temp):
            os.unlink(db_temp)
    return manifest


def _unpack(archive_file: str, manifest: dict, instance_files: dict, written: list) -> str:
    """Second pass: store every file (checked again on the way), spool the database to a
    temporary file and return its path; written collects what was stored."""
    storage, db_temp = get_storage(), None
    try:
        for name, kind, stream in archive.members(archive_file):
            if kind == "manifest":
                continue
            expected = manifest["files"][name]
            if kind == "database":
                db_temp = _spool(stream, expected, name)
                continue
            data = _read(stream, expected, name)
            if kind == "instance":
                if data != instance_files[name]:
                    raise BackupError(gettext("%(name)s changed since it was checked; nothing was restored.", name=name))
                continue
            area, file_name = kind, name.rsplit("/", 1)[1]
            try:
                storage.save(area, file_name, data)
            except (OSError, StorageError) as exc:
                raise BackupError(gettext("Storing %(name)s failed (%(exc)s); what was stored is removed.", name=name, exc=exc)) from None
            written.append((area, file_name))
    except BaseException as exc:
        if db_temp and os.path.exists(db_temp):
            os.unlink(db_temp)
        if isinstance(exc, archive.READ_ERRORS):
            raise archive.unreadable(exc) from None
        raise
    return db_temp


def _check_target(facts: dict) -> None:
    """Refuse, before any change, what would not restore cleanly."""
    kind = database.engine_kind()
    if facts.get("engine") != kind:
        raise BackupError(gettext("This backup holds a %(get)s database and this instance uses %(kind)s; restore into an instance configured like the one backed up.", get=facts.get('engine'), kind=kind))
    # Imported here: Alembic loads only when something migrates (halo/migrating.py).
    from alembic.script import ScriptDirectory
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    try:
        script.get_revision(facts.get("revision"))
    except Exception:
        raise BackupError(gettext("The backup's schema revision %(get)s is unknown to this Halo: it was made by a newer version. Upgrade Halo, then restore.", get=f"{facts.get('revision')!r}")) from None
    full = database.leftovers()
    if full:
        raise BackupError(gettext("This instance is not empty (its database holds rows in %(join)s); restore only into a new, empty instance.", join=', '.join(sorted(full))))
    storage = get_storage()
    for area in AREAS:
        if next(iter(storage.list(area)), None) is not None:
            raise BackupError(gettext("This instance's storage already holds %(area)s (%(describe)s); restore only into empty storage.", area=area, describe=storage.describe()))


def _check_key(key: str) -> None:
    """The restored instance must sign and unseal with the backup's key."""
    current = current_app.config["SECRET_KEY"]
    path = os.path.join(current_app.instance_path, "secret_key")
    from_file = os.path.isfile(path) and open(path).read().strip() == current
    if current != key and not from_file:
        raise BackupError(gettext("SECRET_KEY is set (environment or halo.cfg) to another value than the backup's: sessions would end and saved IMAP passwords could not be unsealed. Set SECRET_KEY to the backup's key (tar -xzOf ARCHIVE instance/secret_key) or unset it, then restore again."))


def _spool(stream, expected: dict, name: str) -> str:
    fd, path = tempfile.mkstemp(prefix=".halo-restore-", dir=current_app.instance_path)
    try:
        with os.fdopen(fd, "wb") as out:
            found = archive.digest(stream, out.write)
    except BaseException:
        os.unlink(path)
        raise
    if found != (expected["size"], expected["sha256"]):
        os.unlink(path)
        raise BackupError(gettext("%(name)s changed since it was checked; nothing was restored.", name=name))
    return path


def _read(stream, expected: dict, name: str) -> bytes:
    chunks = []
    found = archive.digest(stream, chunks.append)
    if found != (expected["size"], expected["sha256"]):
        raise BackupError(gettext("%(name)s changed since it was checked; nothing was restored.", name=name))
    return b"".join(chunks)


def _write_instance(files: dict, progress: Progress) -> None:
    """The secret key (0600), and halo.cfg unless this instance has its own."""
    key = files["instance/secret_key"].decode()
    _write_private(os.path.join(current_app.instance_path, "secret_key"), key.encode())
    current_app.config["SECRET_KEY"] = key
    cfg = files.get("instance/halo.cfg")
    if cfg is not None:
        target = os.path.join(current_app.instance_path, "halo.cfg")
        if os.path.exists(target) and open(target, "rb").read() != cfg:
            target += ".restored"
            _say(progress, "config", f"this instance has its own halo.cfg; the backup's is in {target}")
        _write_private(target, cfg)


def _write_private(path: str, data: bytes) -> None:
    temp = f"{path}.tmp-{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temp, path)
