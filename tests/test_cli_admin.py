"""`halo ensure-admin`, which `make run` calls: the first admin from the environment."""
import pytest

from halo.extensions import db
from halo.models import User
from halo.services.accounts import users as accounts


@pytest.fixture
def run_ensure_admin(app, monkeypatch):
    def run(email, password):
        monkeypatch.setitem(app.config, "HALO_ADMIN_EMAIL", email)
        monkeypatch.setitem(app.config, "HALO_ADMIN_PASSWORD", password)
        return app.test_cli_runner().invoke(args=["halo", "ensure-admin"])
    return run


def test_the_first_admin_comes_from_the_environment(run_ensure_admin):
    result = run_ensure_admin("owner@example.com", "a-long-password")
    assert result.exit_code == 0 and result.output == "Admin: owner@example.com\n"
    assert accounts.authenticate("owner@example.com", "a-long-password").role == "admin"
    again = run_ensure_admin("other@example.com", "another-password")
    assert again.output == "Admin: owner@example.com\n"
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_a_generated_password_is_printed_once(run_ensure_admin):
    result = run_ensure_admin(None, None)
    password = result.output.split("password: ")[1].split()[0]
    assert accounts.authenticate("admin@example.com", password)
    assert "password" not in run_ensure_admin(None, None).output


@pytest.mark.parametrize("email,password,why", [
    ("owner@example.com", "short", "at least 8 characters"),
    ("not-an-address", "a-long-password", "valid email address"),
])
def test_a_bad_admin_setting_is_a_clear_error_and_writes_nothing(run_ensure_admin, email, password, why):
    result = run_ensure_admin(email, password)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Cannot create the first admin from HALO_ADMIN_EMAIL / HALO_ADMIN_PASSWORD" in result.output
    assert why in result.output
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
