"""`flask --app wsgi halo version | check | upgrade`: what is installed, whether it is ready,
and moving the database to this version (a backup first)."""
import json
import os

import click
from flask import current_app

import halo
from halo.services import backup as backups
from halo.services.ops import health


@click.command("version")
def version_command():
    """Print Halo's version and where the database's schema stands."""
    click.echo(f"Halo {halo.__version__}")
    head = health.schema_head()
    try:
        current = health.schema_revisions()
    except Exception as exc:
        click.echo(f"schema: unknown, the database is unreachable ({health.first_line(exc)}); code expects {head}")
        return
    if head in current:
        click.echo(f"schema: {head} (up to date)")
    else:
        click.echo(f"schema: {', '.join(current) or 'empty'}; code expects {head}: "
                   "run `flask --app wsgi db upgrade`")


@click.command("check")
@click.option("--check", "names", multiple=True, help=f"One check ({', '.join(health.CHECKS)}); all by default.")
def check_command(names):
    """Run the readiness checks (as /readyz does), print them as JSON; exit 1 if one fails."""
    try:
        ok, checks = health.readiness(names or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--check") from None
    click.echo(json.dumps({"status": "ok" if ok else "fail", "checks": checks}, indent=2))
    if not ok:
        raise SystemExit(1)


@click.command("upgrade")
@click.option("--backup-to", "dest", type=click.Path(), default=None,
              help="Folder or .tar.gz path for the backup taken first (default: instance/backups/).")
@click.option("--no-backup", is_flag=True, help="Migrate without taking a backup first (you have a fresh one).")
def upgrade_command(dest, no_backup):
    """Back up (database, files, secret key, halo.cfg), then migrate the schema to this version.

    Run it once, from one host, after installing the new code and before starting the new
    processes. Nothing to migrate: nothing is done. A failed migration names the backup."""
    head = health.schema_head()
    try:
        current = health.schema_revisions()
    except Exception as exc:
        raise click.ClickException(f"The database is unreachable: {health.first_line(exc)}") from None
    if head in current:
        click.echo(f"Halo {halo.__version__}: the schema is up to date ({head}); nothing to do.")
        return
    archive = None
    if current and not no_backup:  # a database never migrated holds nothing to keep
        click.echo("Backing up before migrating:")
        try:
            archive = backups.backup(dest or os.path.join(current_app.instance_path, "backups"),
                                     progress=lambda step, detail: click.echo(f"  {step}: {detail}"))["path"]
        except backups.BackupError as exc:
            raise click.ClickException(f"The backup failed, so nothing was migrated: {exc}") from None
        click.echo(f"Backup written: {archive}")
    click.echo(f"Migrating the schema: {', '.join(current) or 'empty'} -> {head}")
    # Imported here: Alembic loads only when something migrates (halo/migrating.py).
    from flask_migrate import upgrade
    try:
        upgrade()
    except Exception as exc:
        hint = (f" The database as it was is in {archive}: restore it into an empty instance with "
                f"`flask --app wsgi halo restore {archive}`." if archive else "")
        raise click.ClickException(f"The migration failed: {health.first_line(exc)}.{hint}") from None
    click.echo(f"Halo {halo.__version__}: upgraded to {head}. Start (or restart) web, worker and smtpd.")


COMMANDS = (version_command, check_command, upgrade_command)
