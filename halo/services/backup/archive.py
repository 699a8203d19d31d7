"""The backup archive: a gzipped tar whose last member, manifest.json, lists every other
member with its size and SHA-256. Reading checks names, types and checksums before
anything is restored; nothing is ever extracted by the archive's own paths."""
import hashlib
import json
import os
import secrets
import tarfile
import zlib
from typing import BinaryIO, Iterator

from flask_babel import gettext

from halo.services.backup.errors import BackupError
from halo.storage import AREAS, NAME

FORMAT, VERSION = "halo-backup", 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = ("database/halo.sqlite3", "database/halo.pgdump")
INSTANCE_MEMBERS = ("instance/secret_key", "instance/halo.cfg")
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
MAX_INSTANCE_FILE = 1024 * 1024


def member_kind(name: str) -> str | None:
    """database, instance or an area name for a member Halo writes; None for anything else."""
    if name in DATABASE_MEMBERS:
        return "database"
    if name in INSTANCE_MEMBERS:
        return "instance"
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "storage" and parts[1] in AREAS and NAME.match(parts[2]):
        return parts[1]
    return None


class _Hashing:
    """Reads through to a stream, hashing and counting what passes."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.sha, self.size = stream, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Writes members to DEST.partial-*, then the manifest, then renames it to DEST."""

    def __init__(self, path: str):
        self.path = path
        self.temp = f"{path}.partial-{secrets.token_hex(4)}"
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.file = os.fdopen(fd, "wb")
        self.tar = tarfile.open(fileobj=self.file, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT)
        self.files: dict[str, dict] = {}

    def add(self, name: str, stream: BinaryIO, size: int, mtime: float) -> None:
        """Stream one member in; its size must be exact."""
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(mtime), 0o600
        reader = _Hashing(stream)
        self.tar.addfile(info, reader)
        if reader.size != size:
            raise BackupError(gettext("%(name)s changed size while it was saved (%(size)s -> %(size2)s bytes).", name=name, size=size, size2=reader.size))
        self.files[name] = {"size": size, "sha256": reader.sha.hexdigest()}

    def add_file(self, name: str, path: str, mtime: float) -> None:
        """A member from a file on disk."""
        with open(path, "rb") as f:
            self.add(name, f, os.fstat(f.fileno()).st_size, mtime)

    def finish(self, manifest: dict, mtime: float) -> dict:
        """Add the manifest, sync and move the archive into place; returns the manifest."""
        manifest = {"format": FORMAT, "version": VERSION, **manifest, "files": self.files}
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(mtime), 0o600
        self.tar.addfile(info, _Hashing(_Bytes(data)))
        self.tar.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        if os.path.exists(self.path):
            self.abort()
            raise BackupError(gettext("%(path)s appeared while the backup ran; nothing was overwritten.", path=self.path))
        os.replace(self.temp, self.path)
        return manifest

    def abort(self) -> None:
        """Remove the partial archive."""
        if not self.file.closed:
            self.file.close()
        if os.path.exists(self.temp):
            os.unlink(self.temp)


class _Bytes:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.at + n
        out, self.at = self.data[self.at:end], min(end, len(self.data))
        return out


READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


def members(path: str) -> Iterator[tuple[str, str, BinaryIO]]:
    """(name, kind, stream) of each member in order; refuses anything Halo does not write.
    Reading a stream can fail too (a truncated archive): callers catch READ_ERRORS."""
    seen = set()
    try:
        with tarfile.open(path, mode="r|gz") as tar:
            for info in tar:
                if info.name in seen:
                    raise BackupError(gettext("The archive holds %(name)s twice.", name=info.name))
                seen.add(info.name)
                kind = "manifest" if info.name == MANIFEST else member_kind(info.name)
                if kind is None or not info.isreg():
                    raise BackupError(gettext("The archive holds %(name)s, which no Halo backup contains.", name=f'{info.name!r}'))
                yield info.name, kind, tar.extractfile(info)
    except READ_ERRORS as exc:
        raise unreadable(exc) from None


def unreadable(exc: Exception) -> BackupError:
    """The error for an archive that cannot be read through."""
    return BackupError(gettext("The archive cannot be read (damaged or not a Halo backup): %(exc)s", exc=exc))


def read_manifest(stream: BinaryIO) -> dict:
    """The manifest, checked for its format and version."""
    data = stream.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        raise BackupError(gettext("The archive's manifest is too large."))
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError(gettext("The archive's manifest is not valid JSON.")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(gettext("This is not a Halo backup (no Halo manifest)."))
    if manifest.get("version") != VERSION:
        raise BackupError(gettext("Backup format version %(get)s is not one this Halo reads (it reads %(VERSION)s).", get=manifest.get('version'), VERSION=VERSION))
    if not isinstance(manifest.get("files"), dict):
        raise BackupError(gettext("The archive's manifest lists no files."))
    facts = manifest.get("database")
    if not isinstance(facts, dict) or not all(isinstance(facts.get(k), str) for k in ("engine", "revision")):
        raise BackupError(gettext("The archive's manifest does not say which database it holds."))
    return manifest


def digest(stream: BinaryIO, sink=None) -> tuple[int, str]:
    """Size and SHA-256 of a stream, passing each chunk to sink when given."""
    sha, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        if sink:
            sink(chunk)
    return size, sha.hexdigest()


def verify(path: str) -> tuple[dict, dict]:
    """Read the whole archive and check every member against the manifest; returns the
    manifest and the small instance files (secret key, halo.cfg) by member name."""
    found, manifest, small = {}, None, {}
    try:
        for name, kind, stream in members(path):
            if kind == "manifest":
                manifest = read_manifest(stream)
                continue
            chunks = []
            size, sha = digest(stream, chunks.append if kind == "instance" else None)
            found[name] = {"size": size, "sha256": sha}
            if kind == "instance":
                if size > MAX_INSTANCE_FILE:
                    raise BackupError(gettext("%(name)s is too large to be Halo's.", name=name))
                small[name] = b"".join(chunks)
    except READ_ERRORS as exc:
        raise unreadable(exc) from None
    if manifest is None:
        raise BackupError(gettext("The archive has no manifest: it is incomplete or not a Halo backup."))
    listed = manifest["files"]
    for name in sorted(set(listed) | set(found)):
        if name not in found:
            raise BackupError(gettext("The archive is missing %(name)s, which its manifest lists.", name=name))
        if name not in listed:
            raise BackupError(gettext("The archive holds %(name)s, which its manifest does not list.", name=name))
        if found[name] != listed[name]:
            raise BackupError(gettext("%(name)s does not match its checksum: the archive is damaged or was changed.", name=name))
    databases = [n for n in listed if member_kind(n) == "database"]
    if len(databases) != 1 or "instance/secret_key" not in listed:
        raise BackupError(gettext("The archive lacks its database or its secret key."))
    return manifest, small

