"""`flask --app wsgi halo translate ...`: language packs for offline translation."""
import click

from halo.services.errors import ValidationError
from halo.services.translate import engine as translation


@click.group("translate")
def translate_cli():
    """Offline translation language packs (needs requirements-translate.txt)."""


@translate_cli.command("install")
@click.argument("pack", required=False)
@click.option("--from-index", "pair", nargs=2, metavar="FROM TO",
              help="Download the pack for a pair (e.g. en es) from the Argos index (needs internet).")
def install_command(pack, pair):
    """Install PACK.argosmodel from a file, or --from-index FROM TO."""
    if not pack and not pair:
        raise click.UsageError("Give a .argosmodel file, or --from-index FROM TO.")
    try:
        packs = translation.install_from_index(*pair) if pair else translation.install_pack(pack)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    for p in packs:
        click.echo(f"{p['from_code']} -> {p['to_code']}  {p['from_name']} → {p['to_name']}  v{p['version']}")


@translate_cli.command("list")
def list_command():
    """List the installed language packs."""
    if not translation.available():
        raise click.ClickException(translation.INSTALL_HINT)
    packs = translation.installed_packs()
    for p in packs:
        click.echo(f"{p['from_code']} -> {p['to_code']}  {p['from_name']} → {p['to_name']}  v{p['version']}")
    if not packs:
        click.echo(f"No language packs installed in {translation.packs_dir()}.")


COMMANDS = (translate_cli,)
