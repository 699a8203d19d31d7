"""CSV import of customers: a preview with per-row errors, then the good rows."""
import pytest

from halo.extensions import db
from halo.models import Customer, CustomerImport
from halo.services.customers import importing
from halo.services.errors import Forbidden, NotFound, ValidationError
from tests.factories import make_customer, make_user


def rows_by_line(rows):
    return {r.line: r for r in rows}


def test_preview_flags_each_bad_row_and_keeps_the_good(frozen):
    agent = make_user()
    make_customer(name="Known Kim", email="kim@acme.test", traits={"plan": "free", "seats": "3"})
    data = ("email,name,plan,company\n"
            "ana@acme.test,Ana Lopes,pro,Acme\n"
            "not-an-email,Bad Bob,pro,\n"
            "ANA@acme.test,Ana again,pro,\n"
            f"long@acme.test,{'N' * 201},pro,\n"
            f"kim@acme.test,,enterprise,{'x' * 1001}\n"
            "Kim@ACME.test,Kim,enterprise,Acme\n"
            ",,,\n"
            ",Nameless Nick,basic,\n").encode()
    record, rows = importing.preview_import(agent.id, data, "people.csv")
    by = rows_by_line(rows)
    assert by[2].action == "new" and by[2].traits == {"plan": "pro", "company": "Acme"}
    assert "not an email address" in by[3].errors[0]
    assert by[4].errors == ["ana@acme.test is also on line 2."]
    assert "201 characters" in by[5].errors[0]
    assert "company is 1001 characters" in by[6].errors[0]
    assert by[7].action == "update"  # known email: an update, not a second customer
    assert 8 not in by  # an empty row is skipped
    assert by[9].action == "new" and by[9].email is None
    assert {k: record.summary[k] for k in ("new", "update", "error")} == {"new": 2, "update": 1, "error": 4}
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 1  # nothing written yet

    result = importing.run_import(agent.id, record.id)
    assert (result["created"], result["updated"], result["failed"]) == (2, 1, [])
    kim = db.session.scalar(db.select(Customer).where(Customer.email == "kim@acme.test"))
    assert (kim.name, kim.traits) == ("Known Kim", {"plan": "enterprise", "seats": "3", "company": "Acme"})
    assert db.session.scalar(db.select(Customer).where(Customer.email == "ana@acme.test")).name == "Ana Lopes"
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 3
    with pytest.raises(ValidationError, match="already run"):
        importing.run_import(agent.id, record.id)


def test_bom_semicolons_and_windows_encoding_are_read():
    rows, encoding, delimiter = importing.parse_csv(
        "\ufeffE-mail;Name;Plan\r\nzoe@acme.test;Zoë Ärger;pro\r\n".encode())
    assert (encoding, delimiter) == ("UTF-8", ";")
    assert (rows[0].email, rows[0].name, rows[0].traits) == ("zoe@acme.test", "Zoë Ärger", {"Plan": "pro"})
    rows, encoding, _ = importing.parse_csv("email,name\nzoe@acme.test,Zoë\n".encode("cp1252"))
    assert (encoding, rows[0].name) == ("Windows-1252", "Zoë")
    rows, _, delimiter = importing.parse_csv(b'email\tname\nx@acme.test\t"Doe, Jo"\n')
    assert (delimiter, rows[0].name) == ("\t", "Doe, Jo")


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"plan,city\npro,Porto\n", "email or a name column"),
    (b"email,bad column!\nx@acme.test,1\n", "bad column!"),
    (b"email,email\nx@acme.test,y@acme.test\n", "appears twice"),
    (b"email\n" + b"x" * (importing.MAX_BYTES + 1), "at most 5 MB"),
])
def test_a_file_that_cannot_be_imported_gets_a_clear_error(data, message):
    with pytest.raises(importing.FileError, match=message):
        importing.parse_csv(data)


def test_only_its_author_runs_an_import_and_read_only_cannot(frozen):
    agent, other = make_user(), make_user()
    record, _ = importing.preview_import(agent.id, b"email\nx@acme.test\n")
    with pytest.raises(NotFound):
        importing.run_import(other.id, record.id)
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden):
        importing.preview_import(reader.id, b"email\nx@acme.test\n")
    assert db.session.get(CustomerImport, record.id).imported_at is None
