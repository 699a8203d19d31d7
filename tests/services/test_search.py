"""Search: ranking across subjects, messages and customers; safe highlighting; hostile input."""
import pytest
from sqlalchemy import text

from halo.extensions import db
from halo.models import Message
from halo.services.inbox import marks, search
from halo.services.inbox.search import finding, ranking
from tests.factories import make_customer, make_ticket


def ids(query):
    return [h.ticket.id for h in search.search(query)]


def test_finds_subjects_messages_and_customers_ranked():
    in_subject = make_ticket(subject="Refund for a broken kettle", body="It stopped working.")
    in_body = make_ticket(subject="Question", body="Could I get a refund for the kettle I bought?")
    other = make_ticket(subject="Shipping", body="Where is my parcel?")
    by_customer = make_ticket(customer=make_customer(name="Kettleby Jones"), subject="Hello")
    found = ids("kettle")
    assert found[:2] == [in_subject.id, in_body.id]  # subject outweighs a message
    assert by_customer.id in found and other.id not in found  # "kettle" prefix-matches Kettleby
    assert ids("refund kettle") == [in_subject.id, in_body.id]  # every word must match
    assert ids("parcel") == [other.id]


def test_follows_new_edited_and_moved_messages():
    ticket = make_ticket(body="nothing yet")
    other = make_ticket(body="unrelated")
    message = Message(ticket_id=ticket.id, kind="customer", body_text="The invoice is wrong")
    db.session.add(message)
    db.session.commit()
    assert ids("invoice") == [ticket.id]
    message.body_text = "The receipt is wrong"
    db.session.commit()
    assert ids("invoice") == [] and ids("receipt") == [ticket.id]
    message.ticket_id = other.id  # a merge moves messages: the index follows the row
    db.session.commit()
    assert ids("receipt") == [other.id]
    db.session.delete(message)
    db.session.commit()
    assert ids("receipt") == []


def test_highlight_escapes_everything_but_its_own_marks():
    ticket = make_ticket(subject="<script>alert(1)</script> refund", body='Refunds & "returns" <b>now</b>')
    hit = search.search("refund")[0]
    assert hit.ticket.id == ticket.id
    assert str(hit.subject) == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>refund</mark>"
    assert str(hit.snippet) == "<mark>Refunds</mark> &amp; &#34;returns&#34; &lt;b&gt;now&lt;/b&gt;"
    assert str(marks.highlight("<mark>x</mark>", ["mark"])) == "&lt;<mark>mark</mark>&gt;x&lt;/<mark>mark</mark>&gt;"


@pytest.mark.parametrize("hostile", [
    '"', '"unbalanced', "refund NEAR kettle", "NEAR(refund kettle, 2)", "*", "refund*", "(refund",
    "refund)", "a AND OR NOT b", "^refund", "subject:refund", "-refund", "'; DROP TABLE ticket; --",
    "{body_text}: x", "     ", "%_%", "NOT", "né ça", "x" * 5000,
])
def test_hostile_input_never_errors(hostile):
    make_ticket(subject="Refund for a kettle", body="refund near kettle")
    search.search(hostile)  # must not raise
    assert db.session.execute(text("SELECT count(*) FROM ticket")).scalar() == 1


def test_operator_words_are_searched_as_words():
    near = make_ticket(subject="Store near me", body="Is there a store near me?")
    make_ticket(subject="Store hours", body="When do you open?")
    assert ids("near") == [near.id]
    assert ids('"store NEAR me') == [near.id]


def test_snippet_centres_on_the_match():
    long = "word " * 100 + "the magic refund sentence " + "tail " * 100
    make_ticket(body=long)
    hit = search.search("magic")[0]
    assert "<mark>magic</mark>" in str(hit.snippet) and str(hit.snippet).startswith("…")
    assert len(hit.snippet.striptags()) < 200


def test_broad_words_rank_only_the_newest_matches_and_say_so(monkeypatch):
    monkeypatch.setattr(finding, "RECENT", 3)
    oldest = make_ticket(subject="Question", body="my invoice is wrong")
    in_subject = make_ticket(subject="Invoice missing", body="Where is it?")
    in_body = [make_ticket(subject="Question", body=f"invoice number {i} is wrong") for i in range(3)]
    found = search.search("invoice")
    assert found.capped  # four messages match; only the newest three were ranked
    assert [h.ticket.id for h in found] == [in_subject.id] + [t.id for t in reversed(in_body)]
    assert oldest.id not in [h.ticket.id for h in found]
    assert str(found[0].subject) == "<mark>Invoice</mark> missing"
    assert str(found[1].snippet) == "<mark>invoice</mark> number 2 is wrong"
    narrower = search.search("invoice number 0")  # one more word: few enough to rank them all
    assert not narrower.capped and [h.ticket.id for h in narrower] == [in_body[0].id]


def test_results_are_not_capped_below_the_limit():
    make_ticket(subject="Refund", body="refund please")
    found = search.search("refund")
    assert len(found) == 1 and not found.capped
    assert not search.search("").capped and search.search("") == []


@pytest.mark.parametrize("hostile", ['"invoice', "invoice*", "invoice NEAR(x", "^invoice -near"])
def test_hostile_input_with_the_cap_in_play(monkeypatch, hostile):
    monkeypatch.setattr(finding, "RECENT", 1)
    for i in range(3):
        make_ticket(subject=f"Invoice {i}", body="invoice near x")
    found = search.search(hostile)  # must not raise, and still ranks and marks
    assert found and all("<mark>" in str(h.subject) for h in found)


def _analyse():
    """PostgreSQL's word statistics come from ANALYZE (autovacuum runs it in production)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.commit()
        db.session.execute(text("ANALYZE ticket, customer, message"))


def test_rarer_words_count_more():
    for i in range(24):
        make_ticket(subject="Question", body=f"billing run {i}")
    rare_twice = make_ticket(subject="Question", body="kettle kettle billing")
    common_twice = make_ticket(subject="Question", body="kettle billing billing")
    _analyse()
    assert ids("kettle billing") == [rare_twice.id, common_twice.id]


def test_repeated_words_outrank_a_passing_mention():
    many = make_ticket(subject="Question", body="refund refund refund please")
    once = make_ticket(subject="Question", body="refund please")
    assert ids("refund") == [many.id, once.id]


def test_word_starts_are_counted_not_word_middles():
    pattern = ranking.word_start("refund")
    assert len(pattern.findall("refund, refunds; re-refund prerefund refund_x")) == 4
    assert pattern.findall("prerefunded") == []


def _messages_matching(word, cap):
    return db.session.execute(text(
        "SELECT id FROM message WHERE lower(body_text) LIKE :like ORDER BY id DESC LIMIT :cap"),
        {"like": f"%{word}%", "cap": cap}).scalars().all()


@pytest.mark.parametrize("stats", [None, finding.WordStats([0.5]), finding.WordStats([0.01]),
                                   finding.WordStats([None])])
@pytest.mark.parametrize("cap", [1, 3, 12, 100])
def test_newest_matches_come_newest_first_whichever_way_they_are_read(monkeypatch, stats, cap):
    # PostgreSQL reads windows of the newest rows or the GIN index, guided by stats (SQLite
    # reads its index backwards whatever they say): the answer must be the same.
    monkeypatch.setattr(finding, "FIRST_WINDOW", 1)
    for i in range(60):  # dense among the oldest rows, sparse among the newest
        make_ticket(subject="Question", body="invoice attached" if i < 20 or i % 9 == 0 else "hello")
    span = finding.id_ranges()["message"]
    rows = finding.newest_in("message", ["invoice"], cap, span, stats)
    assert [row[0] for row in rows] == _messages_matching("invoice", cap)
    assert all(body.startswith("invoice") for _, _, body in rows)  # each row's own text


def test_word_stats_are_postgresql_s_counts():
    for i in range(40):
        make_ticket(subject="Question", body="invoice please" if i % 2 else "hello there")
    _analyse()
    stats = finding.word_stats(["invoic", "zebra"])
    if db.session.get_bind().dialect.name != "postgresql":
        assert stats == {}
        return
    invoice, zebra = stats["message"].shares
    assert invoice == pytest.approx(0.5, abs=0.05) and zebra is None
    assert stats["message"].expected() == 0.0  # a word it does not list: too rare to count


@pytest.mark.parametrize("margin", [0.01, 1.5, 50.0])  # windows far too narrow, as meant, too wide
@pytest.mark.parametrize("cap", [1, 7, 30, 100])
def test_windows_through_the_gin_index_find_the_same_newest_matches_as_a_full_read(monkeypatch, margin,
                                                                                 cap):
    # A word of the past: dense among the oldest rows, absent from the newest. PostgreSQL reads
    # it through GIN for a window of ids that samples put where the newest matches should be,
    # and widens it until it holds them (or the table): the answer must be exactly a full read's.
    monkeypatch.setattr(finding, "GIN_BOUND", 0)
    monkeypatch.setattr(finding, "PROBES", 4)
    monkeypatch.setattr(finding, "PROBE_ROWS", 3)
    monkeypatch.setattr(finding, "MARGIN", margin)
    monkeypatch.setattr(finding, "FIRST_SHARE", 1)  # the geometry these cases were drawn for
    bounds = []
    real_bound = finding._pg_bound
    monkeypatch.setattr(finding, "_pg_bound", lambda *a: bounds.append(real_bound(*a)) or bounds[-1])
    for i in range(90):
        make_ticket(subject="Question", body="invoice attached" if i < 60 and i % 3 else "hello")
    span = finding.id_ranges()["message"]
    expected = _messages_matching("invoice", cap)
    rows = finding.newest_in("message", ["invoice"], cap, span, finding.WordStats([0.45]))
    assert [row[0] for row in rows] == expected
    assert len(expected) == min(cap, 40)
    if db.session.get_bind().dialect.name == "postgresql" and cap <= 7 and margin <= 1.5:
        assert bounds[0] >= span[0]  # a window, not the whole table
        if margin < 1 and cap > 1:
            assert len(bounds) > 1  # too narrow: widened


@pytest.mark.parametrize("shares", [[0.45, None], [0.45, 0.6], [None, None]])
@pytest.mark.parametrize("cap", [1, 5, 30])
def test_several_words_through_a_gin_window_match_every_word(monkeypatch, shares, cap):
    # In a window, GIN reads only the rarest word (by the stats) and the rows are checked
    # against the whole query: rows holding only one of the words must not come back.
    monkeypatch.setattr(finding, "GIN_BOUND", 0)
    monkeypatch.setattr(finding, "PROBES", 4)
    monkeypatch.setattr(finding, "PROBE_ROWS", 3)
    monkeypatch.setattr(finding, "FIRST_SHARE", 1)
    bodies = ["invoice overdue", "invoice attached", "overdue notice", "hello"]
    for i in range(120):  # a topic of the past: absent from the newest 30 rows
        make_ticket(subject="Question", body=bodies[i % 4] if i < 90 else "hello")
    span = finding.id_ranges()["message"]
    rows = finding.newest_in("message", ["invoice", "overdue"], cap, span, finding.WordStats(shares))
    assert [row[0] for row in rows] == _messages_matching("invoice overdue", cap)
    assert len(rows) == min(cap, 23)


def test_the_rarest_word_is_the_one_the_stats_do_not_list_or_list_least():
    assert finding._rarest(["a", "b", "c"], finding.WordStats([0.4, None, 0.1])) == "b"
    assert finding._rarest(["a", "b", "c"], finding.WordStats([0.4, 0.2, 0.1])) == "c"
    assert finding._rarest(["a", "b"], None) == "a"
