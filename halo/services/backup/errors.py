"""The one error of backup and restore."""


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and nothing was changed."""
