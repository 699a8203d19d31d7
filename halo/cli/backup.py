"""`flask --app wsgi halo backup DEST` and `halo restore ARCHIVE`: see docs/backup.md."""
import click

from halo.services import backup as backups


def _echo(step: str, detail: str) -> None:
    click.echo(f"  {step}: {detail}")


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=True, file_okay=True))
def backup_command(dest):
    """Write one archive (database, files, secret key, halo.cfg) into DEST: a .tar.gz path,
    or a folder (created if missing) that gets halo-backup-<UTC time>.tar.gz."""
    try:
        manifest = backups.backup(dest, progress=_echo)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {manifest['path']} ({len(manifest['files'])} files).")
    click.echo("It holds the secret key and every customer message: keep it as private as the server.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", is_flag=True, help="Only check the archive against its checksums; change nothing.")
def restore_command(archive, check):
    """Restore ARCHIVE into this instance, which must be empty (a new database and storage)."""
    try:
        if check:
            manifest = backups.verify(archive)
            click.echo(f"{archive}: intact, {len(manifest['files'])} files match their checksums "
                       f"({manifest['database']['engine']} at revision {manifest['database']['revision']}, "
                       f"made {manifest['created_at']}).")
            return
        manifest = backups.restore(archive, progress=_echo)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    # Imported here: Alembic loads only when something migrates (halo/migrating.py).
    from flask_migrate import upgrade
    upgrade()  # a backup from an older Halo: bring its schema up to this version
    click.echo(f"Restored {archive} (made {manifest['created_at']}). Start Halo as usual.")


COMMANDS = (backup_command, restore_command)
