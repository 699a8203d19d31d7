"""Contacts: the customers list, a customer's page, notes and companies, as a teammate sees them."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Customer
from halo.services.access import inboxes, teams
from halo.services.customers import companies, listing, notes, profiles
from halo.services.errors import Forbidden, NotFound, ValidationError
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture
def world(frozen):
    """Team A (Sara, Rita read-only) has inbox A, team B (Bo) inbox B; four customers."""
    admin = make_user(role="admin")
    sara, bo = make_user(name="Sara"), make_user(name="Bo")
    rita = make_user(name="Rita", role="readonly")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id, rita.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    alma = make_customer(name="Alma Berg", email="alma@acme.test", traits={"plan": "pro"})
    both = make_customer(name="Quinn Shared", email="quinn@gmail.com", traits={"plan": "free", "company": "Zeta Ltd"})
    only_b = make_customer(name="Hidden Bee", email="bee@acme.test", traits={"plan": "pro"})
    fresh = make_customer(name="New Nora", email="nora@acme.test", traits={})
    t = frozen.start
    make_ticket(alma, inbox_id=a.id, subject="Alma old", now=t - timedelta(days=3))
    make_ticket(both, inbox_id=a.id, subject="Quinn in A", now=t - timedelta(days=2))
    secret = make_ticket(both, inbox_id=b.id, subject="Quinn secret in B", now=t - timedelta(hours=1))
    make_ticket(only_b, inbox_id=b.id, subject="Bee in B", now=t - timedelta(minutes=5))
    return {"admin": admin, "sara": sara, "bo": bo, "rita": rita, "alma": alma.id, "both": both.id,
            "only_b": only_b.id, "fresh": fresh.id, "secret": secret.id}


def names(page):
    return [row.customer.name for row in page.rows]


def test_admin_sees_everyone_by_last_activity_with_no_ticket_last(world):
    page = listing.customer_page(world["admin"].id)
    assert names(page) == ["Hidden Bee", "Quinn Shared", "Alma Berg", "New Nora"]
    assert [row.tickets for row in page.rows] == [1, 2, 1, 0]


def test_an_agent_sees_only_customers_and_activity_of_their_inboxes(world):
    page = listing.customer_page(world["sara"].id)
    # Bee writes only to inbox B; of Quinn, Sara counts only the ticket in A.
    assert names(page) == ["Quinn Shared", "Alma Berg", "New Nora"]
    assert page.rows[0].tickets == 1
    with pytest.raises(NotFound):
        listing.get_customer(world["sara"].id, world["only_b"])
    shown = listing.customer_tickets(world["sara"].id, world["both"])
    assert [t.subject for t in shown] == ["Quinn in A"]
    assert {t.subject for t in listing.customer_tickets(world["admin"].id, world["both"])} == {
        "Quinn in A", "Quinn secret in B"}


def test_activity_for_an_agent_comes_from_their_tickets_only(world, frozen):
    quinn = next(r for r in listing.customer_page(world["sara"].id).rows if r.customer.name == "Quinn Shared")
    assert quinn.last_activity_at == frozen.start - timedelta(days=2)
    admin_view = next(r for r in listing.customer_page(world["admin"].id).rows if r.customer.name == "Quinn Shared")
    assert admin_view.last_activity_at == frozen.start - timedelta(hours=1)


def test_search_traits_sort_and_pages(world):
    admin = world["admin"].id
    assert names(listing.customer_page(admin, q="ACME")) == ["Hidden Bee", "Alma Berg", "New Nora"]
    assert names(listing.customer_page(admin, q="quinn@gmail.com")) == ["Quinn Shared"]
    assert names(listing.customer_page(admin, q="100%")) == []  # % is literal, not a wildcard
    assert names(listing.customer_page(admin, traits=["plan:PRO"])) == ["Hidden Bee", "Alma Berg"]
    assert names(listing.customer_page(admin, traits=["company"])) == ["Quinn Shared"]
    assert names(listing.customer_page(admin, traits=["plan:pro"], q="alma")) == ["Alma Berg"]
    assert names(listing.customer_page(admin, sort="name")) == ["Alma Berg", "Hidden Bee", "New Nora", "Quinn Shared"]
    first = listing.customer_page(admin, sort="name", size=3)
    second = listing.customer_page(admin, sort="name", size=3, page=2)
    assert (names(first), first.more) == (["Alma Berg", "Hidden Bee", "New Nora"], True)
    assert (names(second), second.more) == (["Quinn Shared"], False)
    with pytest.raises(ValidationError):
        listing.customer_page(admin, traits=["bad key:x"])
    with pytest.raises(ValidationError):
        listing.customer_page(admin, sort="bogus")


def test_find_customer_by_id_or_address(world):
    admin = world["admin"].id
    assert listing.find_customer(admin, f"#{world['alma']}").id == world["alma"]
    assert listing.find_customer(admin, "ALMA@acme.test").id == world["alma"]
    with pytest.raises(NotFound):
        listing.find_customer(admin, "nobody@acme.test")
    with pytest.raises(NotFound):
        listing.find_customer(world["sara"].id, "bee@acme.test")  # another team's customer


def test_notes_who_and_when_and_who_may_remove(world, frozen):
    note = notes.add_note(world["rita"].id, world["alma"], "  Prefers email; VIP since 2024.  ")
    assert (note.body, note.author_id, note.created_at) == ("Prefers email; VIP since 2024.", world["rita"].id,
                                                             frozen.start)
    with pytest.raises(ValidationError):
        notes.add_note(world["sara"].id, world["alma"], "   ")
    with pytest.raises(ValidationError):
        notes.add_note(world["sara"].id, world["alma"], "x" * 2001)
    with pytest.raises(NotFound):
        notes.add_note(world["sara"].id, world["only_b"], "not mine to see")
    with pytest.raises(Forbidden):
        notes.delete_note(world["sara"].id, note.id)
    assert [n.body for n in notes.customer_notes(world["alma"])] == ["Prefers email; VIP since 2024."]
    assert notes.delete_note(world["admin"].id, note.id) == world["alma"]
    assert notes.customer_notes(world["alma"]) == []


def test_traits_are_edited_by_agents_not_by_read_only(world):
    profiles.edit_customer(world["sara"].id, world["alma"], traits={"plan": "enterprise", "seats": "40"})
    profiles.edit_customer(world["sara"].id, world["alma"], traits={"seats": None})
    assert db.session.get(Customer, world["alma"]).traits == {"plan": "enterprise"}
    with pytest.raises(Forbidden):
        profiles.edit_customer(world["rita"].id, world["alma"], traits={"plan": "free"})
    with pytest.raises(NotFound):
        profiles.edit_customer(world["sara"].id, world["only_b"], traits={"plan": "free"})
    with pytest.raises(ValidationError):
        profiles.edit_customer(world["sara"].id, world["alma"], traits={"plan": "x" * 1001})
    with pytest.raises(profiles.Conflict):
        profiles.edit_customer(world["sara"].id, world["alma"], email="quinn@gmail.com")
    assert db.session.get(Customer, world["alma"]).email == "alma@acme.test"


def test_companies_by_trait_else_domain_never_free_mail(world):
    found, more = companies.company_page(world["admin"].id)
    assert [(c.key, c.name, c.customers) for c in found] == [("acme.test", "acme.test", 3),
                                                             ("zeta ltd", "Zeta Ltd", 1)]
    assert more is False
    make_customer(name="Solo", email="solo@gmail.com", traits={})
    assert [c.key for c in companies.company_page(world["admin"].id)[0]] == ["acme.test", "zeta ltd"]
    # Sara does not see Bee (inbox B only), so acme counts two for her.
    assert [(c.key, c.customers) for c in companies.company_page(world["sara"].id)[0]] == [
        ("acme.test", 2), ("zeta ltd", 1)]
    assert [c.name for c in companies.company_customers(world["admin"].id, "ACME.test")] == [
        "Alma Berg", "Hidden Bee", "New Nora"]
    assert [c.key for c in companies.company_page(world["admin"].id, q="zet")[0]] == ["zeta ltd"]
    assert companies.company_of(db.session.get(Customer, world["both"])) == "zeta ltd"
