"""`flask --app wsgi halo ...`: commands that call services, one module per family.

Each module lists its commands in COMMANDS; the group below gathers them, so no module
registers itself by being imported.
"""
from flask.cli import AppGroup

from halo.cli import admin, backup, email, integrations, ops, run, translate

halo_cli = AppGroup("halo", help="Halo administration.")
for module in (admin, backup, email, integrations, ops, run, translate):
    for command in module.COMMANDS:
        halo_cli.add_command(command)
