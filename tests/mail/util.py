"""Fixture loading for the mail parser tests (no conftest fixtures needed)."""
from pathlib import Path

from halo.mail.parse import parse_email

FIXTURES = Path(__file__).parent / "fixtures"


def raw(name):
    """Bytes of a fixture .eml file."""
    return (FIXTURES / name).read_bytes()


def parsed(name, **kwargs):
    """ParsedEmail for a fixture .eml file."""
    return parse_email(raw(name), **kwargs)
