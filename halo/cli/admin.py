"""`flask --app wsgi halo ...`: the first admin, teammates, the demo, counters, snoozes."""
import click
from flask import current_app

from halo.models.users import ROLES
from halo.services.accounts import twofactor
from halo.services.accounts.reset import set_password_on_server
from halo.services.accounts.users import create_user, ensure_admin
from halo.services.demo import load_demo
from halo.services.errors import ValidationError
from halo.services.inbox.counters import rebuild_counters
from halo.services.tickets.snooze import wake_due


@click.command("ensure-admin")
def ensure_admin_command():
    """Create the first admin from HALO_ADMIN_EMAIL / HALO_ADMIN_PASSWORD (or generate one)."""
    try:
        user, generated = ensure_admin(current_app.config.get("HALO_ADMIN_EMAIL"),
                                       current_app.config.get("HALO_ADMIN_PASSWORD"))
    except ValidationError as exc:
        raise click.ClickException(
            f"Cannot create the first admin from HALO_ADMIN_EMAIL / HALO_ADMIN_PASSWORD: {exc}") from None
    if generated:
        click.echo(f"Created the first admin: {user.email} / password: {generated}")
        click.echo("Change it in Settings > Team after signing in.")
    else:
        click.echo(f"Admin: {user.email}")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), default="agent")
def create_user_command(email, name, password, role):
    """Add a teammate."""
    try:
        user = create_user(email, name, password, role)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} {user.email} (@{user.handle})")


@click.command("reset-password")
@click.argument("email")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="The new password (asked for, hidden, when not given).")
@click.option("--disable-two-factor", is_flag=True,
              help="Also turn off two-factor sign-in (a lost phone and lost recovery codes).")
def reset_password_command(email, password, disable_two_factor):
    """Set a teammate's password on the server (a lost admin password); ends their sign-ins."""
    try:
        user = set_password_on_server(email, password)
        if disable_two_factor and user.two_factor:
            twofactor.disable(user.id, user.id, force=True)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Password changed for {user.email}; every sign-in of theirs has ended."
               + (" Two-factor sign-in is off." if disable_two_factor else ""))


@click.command("demo")
@click.option("--seed", default=7, help="Random seed, for a repeatable workspace.")
def demo_command(seed):
    """Load a believable demo workspace (customers, tickets, threads, teammates)."""
    summary = load_demo(seed=seed)
    if summary.get("already_loaded"):
        click.echo(f"The demo workspace is already loaded: {summary['tickets']} tickets. Nothing was "
                   "changed; teammates sign in with password 'demo-password' (e.g. sara@demo.halo).")
        return
    click.echo("Demo workspace loaded: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    click.echo("Teammates sign in with password 'demo-password' (e.g. sara@demo.halo).")


@click.command("recount")
def recount_command():
    """Rebuild the sidebar counters from the ticket table; move the change stamps on."""
    rebuild_counters()
    click.echo("Counters rebuilt; change stamps moved on.")


@click.command("wake-snoozes")
def wake_snoozes_command():
    """Return tickets whose snooze has ended to Open and notify their assignees."""
    click.echo(f"Woke {len(wake_due())} tickets.")


COMMANDS = (ensure_admin_command, create_user_command, reset_password_command, demo_command,
            recount_command, wake_snoozes_command)
