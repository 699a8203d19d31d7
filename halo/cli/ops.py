"""`flask --app wsgi halo version | check`: what is installed, and whether it is ready."""
import json

import click

import halo
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


COMMANDS = (version_command, check_command)
