"""`flask --app wsgi halo api-token ...`: an API token from the server's shell (scripts,
the benchmark, an admin locked out of the browser)."""
import click

from halo.models.integrations import TOKEN_SCOPES
from halo.services.accounts.users import find_by_email
from halo.services.errors import HaloError
from halo.services.integrations import tokens


@click.command("api-token")
@click.option("--email", required=True, help="the teammate it is made by (and acts as, if personal)")
@click.option("--name", required=True, help="what will use it")
@click.option("--scope", type=click.Choice(TOKEN_SCOPES), default="read")
@click.option("--workspace", is_flag=True, help="a workspace (bot) token; needs an admin")
def api_token_command(email, name, scope, workspace):
    """Make an API token and print its secret (shown this once)."""
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"No teammate has the email {email}.")
    try:
        _, secret = tokens.create_token(user.id, name, scope, "workspace" if workspace else "personal")
    except HaloError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(secret)


COMMANDS = (api_token_command,)
