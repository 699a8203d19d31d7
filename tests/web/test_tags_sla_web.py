"""Tags and SLA through the pages: the header's tag box and its suggestions, Settings > Tags,
tags and SLA badges on inbox rows, the sort by due time, bulk tagging, the shortcut."""
import re
from datetime import datetime, timedelta
from pathlib import Path

from halo import clock
from halo.extensions import db
from halo.models import Tag
from halo.services.service_levels import policies, sla
from halo.services.tickets import tag_catalog
from halo.services.tickets import tags as ticket_tags
from tests.factories import make_ticket

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)
STATIC = Path(__file__).resolve().parents[2] / "halo" / "static"


def test_the_header_adds_and_removes_tags_with_htmx(as_agent, agent):
    ticket = make_ticket()
    ticket_tags.change_tag(make_ticket().id, "refund", agent.id, add=True)
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'id="ticket-{ticket.id}-tags"' in page and 'data-shortcut-focus="tags"' in page
    options = as_agent.get(f"/tickets/{ticket.id}/tags/suggest?tag=re", hx=True).get_data(as_text=True)
    assert 'data-tag="refund"' in options and "Create the tag “re”" in options
    added = as_agent.post(f"/tickets/{ticket.id}/tags", {"tag": "refund"}, hx=True)
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and 'class="tag tag-grey">refund' in body and 'hx-swap-oob="beforeend:#thread"' in body
    assert 'data-tag="refund"' not in as_agent.get(f"/tickets/{ticket.id}/tags/suggest?tag=re", hx=True).get_data(as_text=True)
    bad = as_agent.post(f"/tickets/{ticket.id}/tags", {"tag": "<script>"}, hx=True)
    assert bad.status_code == 400 and "must be 1-40" in bad.get_data(as_text=True) and "<script>" not in bad.get_data(as_text=True)
    gone = as_agent.post(f"/tickets/{ticket.id}/tags/remove", {"tag": "refund"})
    assert gone.status_code == 302 and ticket_tags.tags_of([ticket.id])[ticket.id] == []
    assert as_agent.post("/tickets/999999/tags", {"tag": "x"}, hx=True).status_code == 404
    assert as_agent.get("/tickets/999999/tags/suggest?tag=x", hx=True).status_code == 404


def test_admins_keep_tags_in_settings(as_admin, admin, agent):
    ticket = make_ticket()
    ticket_tags.change_tag(ticket.id, "refund", agent.id, add=True)
    tag = db.session.scalar(db.select(Tag))
    page = as_admin.get("/settings/tags").get_data(as_text=True)
    assert "refund" in page and 'value="red"' in page
    assert as_admin.post(f"/settings/tags/{tag.id}", {"name": "Refunds", "colour": "red"}).status_code == 302
    assert tag_catalog.list_tags()[0].name == "Refunds" and tag_catalog.list_tags()[0].colour == "red"
    bad = as_admin.post(f"/settings/tags/{tag.id}", {"name": "Refunds", "colour": "chartreuse"})
    assert bad.status_code == 400 and "palette" in bad.get_data(as_text=True)
    assert as_admin.post(f"/settings/tags/{tag.id}/delete").status_code == 302
    assert ticket_tags.tags_of([ticket.id])[ticket.id] == [] and tag_catalog.list_tags() == []


def test_agents_cannot_keep_tags(as_agent, agent):
    ticket_tags.change_tag(make_ticket().id, "refund", agent.id, add=True)
    tag = db.session.scalar(db.select(Tag))
    assert as_agent.get("/settings/tags").status_code == 403
    as_agent.post(f"/settings/tags/{tag.id}/delete")
    assert db.session.get(Tag, tag.id) is not None


def test_inbox_rows_show_tags_and_sla_badges_sorted_by_due(as_agent, agent):
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h"})
    clock.set_now(FRIDAY_NINE)
    late = make_ticket(now=FRIDAY_NINE, subject="Late one")
    clock.set_now(FRIDAY_NINE + timedelta(minutes=30))
    soon = make_ticket(now=clock.now(), subject="Soon one")
    newest = make_ticket(now=clock.now() + timedelta(minutes=5), subject="No clock yet")
    ticket_tags.change_tag(late.id, "refund", agent.id, add=True)
    tag = db.session.scalar(db.select(Tag))
    tag_catalog.update_tag(tag.id, None, colour="red")
    now = FRIDAY_NINE + timedelta(minutes=75)
    clock.set_now(now)
    sla.refresh([late.id, soon.id])
    db.session.commit()
    page = as_agent.get("/inbox/open?sort=sla").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'id="ticket-row-(\d+)"', page)]
    assert order == [late.id, soon.id, newest.id]
    assert 'class="tag tag-red" href="/inbox/open?tag=refund">refund' in page
    assert "sla-badge-breached" in page and "Overdue 15 min" in page and "Due in 15 min" in page
    default = [int(i) for i in re.findall(r'id="ticket-row-(\d+)"', as_agent.get("/inbox/open").get_data(as_text=True))]
    assert default[0] == newest.id
    breached = as_agent.get("/inbox/open?sla=breached").get_data(as_text=True)
    assert re.findall(r'id="ticket-row-(\d+)"', breached) == [str(late.id)] and "SLA breached" in breached
    typed = as_agent.get("/inbox/open?q=tag:refund")
    assert typed.status_code == 302 and typed.headers["Location"].endswith("/inbox/open?tag=refund")
    assert as_agent.get("/inbox/open?sort=sideways").status_code == 400


def test_bulk_tagging_from_the_inbox(as_agent):
    a, b = make_ticket(), make_ticket()
    done = as_agent.post("/inbox/bulk", {"ticket_ids": [a.id, b.id], "do": "add_tag", "tag": "vip"}, hx=True)
    assert done.status_code == 200 and "2 updated" in done.get_data(as_text=True)
    assert ticket_tags.tags_of([a.id, b.id]) == {a.id: ["vip"], b.id: ["vip"]}
    empty = as_agent.post("/inbox/bulk", {"ticket_ids": [a.id], "do": "remove_tag", "tag": ""}, hx=True)
    assert empty.status_code == 400 and "Type the tag" in empty.get_data(as_text=True)
    as_agent.post("/inbox/bulk", {"ticket_ids": [a.id], "do": "remove_tag", "tag": "VIP"}, hx=True)
    assert ticket_tags.tags_of([a.id])[a.id] == []


def test_the_tag_shortcut_is_listed_and_bound():
    js = (STATIC / "js" / "shortcuts.js").read_text()
    assert '["t", haloT("Add a tag")]' in js and '"t": () =>' in js
    assert js.count('"t"') == 2  # not bound twice


def _luminance(hex_colour):
    def channel(c):
        c = int(c, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(hex_colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_palette_colour_keeps_text_readable():
    css = (STATIC / "css" / "halo.css").read_text()
    for key in tag_catalog.PALETTE:
        rule = re.search(r"\.tag-%s \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}" % key, css)
        assert rule, f"no colours for .tag-{key}"
        light, dark = sorted((_luminance(rule.group(1)), _luminance(rule.group(2))), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, key
