"""Backup and restore: one archive holding the database (a consistent snapshot), every
stored file (local folders or the S3 bucket), the secret key and instance/halo.cfg, with a
manifest of SHA-256 checksums. Restore checks the whole archive first and goes only into
an empty instance. docs/backup.md says what is saved and why.
"""
from halo.services.backup.errors import BackupError
from halo.services.backup.service import archive_path, backup, restore, verify

__all__ = ["BackupError", "archive_path", "backup", "restore", "verify"]
