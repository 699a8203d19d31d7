"""Upgrading a database that holds a team's data keeps every row: the batch migrations that
recreate SQLite tables must neither fail on the references to them nor cascade deletes."""
from flask_migrate import upgrade
from sqlalchemy import text

from halo import create_app
from halo.extensions import db

BEFORE_TEAMS = "0010_lease"  # the last revision before inboxes and teams (0011 recreates user)
ROWS = [
    """INSERT INTO "user" (id, email, name, handle, password_hash, role, active, timezone, created_at)
       VALUES (1, 'ada@example.com', 'Ada', 'ada', 'x', 'admin', 1, 'UTC', '2026-12-01 09:00:00')""",
    """INSERT INTO login_session (id, user_id, token_hash, created_at)
       VALUES (1, 1, 'h', '2026-12-01 09:00:00')""",
    """INSERT INTO customer (id, name, traits, created_at) VALUES (1, 'Quinn', '{}', '2026-12-01 09:00:00')""",
    """INSERT INTO ticket (id, subject, customer_id, channel, status, bucket, preview, created_at,
       last_activity_at, assignee_id) VALUES (1, 'Help', 1, 'email', 'open', 'open', 'Hi',
       '2026-12-01 09:00:00', '2026-12-01 09:00:00', 1)""",
    """INSERT INTO message (id, ticket_id, kind, body_text, created_at, author_id)
       VALUES (1, 1, 'customer', 'Hi', '2026-12-01 09:00:00', NULL),
              (2, 1, 'agent', 'Hello', '2026-12-01 09:05:00', 1)""",
]
TABLES = ("user", "login_session", "customer", "ticket", "message")


def test_a_populated_sqlite_database_upgrades_to_head_without_losing_a_row(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/team.db", "SECRET_KEY": "x",
                      "HALO_QUEUE": "sync"})
    with app.app_context():
        upgrade(revision=BEFORE_TEAMS)
        for statement in ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        before = {t: db.session.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in TABLES}
        upgrade()
        after = {t: db.session.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in TABLES}
        assert after == before == {"user": 1, "login_session": 1, "customer": 1, "ticket": 1, "message": 2}
        assert db.session.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_the_snooze_counter_starts_from_the_snoozed_tickets(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/team.db", "SECRET_KEY": "x",
                      "HALO_QUEUE": "sync"})
    with app.app_context():
        upgrade(revision="0029_user_locale")
        db.session.execute(text(ROWS[0]))
        db.session.execute(text(ROWS[2]))
        for n, (until, assignee) in enumerate([("2026-12-07 09:00:00", 1), ("2026-12-07 09:00:00", 1),
                                               ("2026-12-07 09:00:00", None), ("2026-12-08 09:00:00", 1)]):
            db.session.execute(text(
                "INSERT INTO ticket (id, subject, customer_id, channel, status, bucket, preview, created_at, "
                "last_activity_at, assignee_id, snoozed_until, inbox_id) VALUES (:id, 'x', 1, 'email', "
                "'snoozed', 'snoozed', '', '2026-12-01 09:00:00', '2026-12-01 09:00:00', :a, :u, "
                "(SELECT min(id) FROM inbox))"), {"id": n + 10, "a": assignee, "u": until})
        db.session.execute(text(ROWS[3]))  # an open ticket: not counted
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT ends_at, assignee_key, n FROM snooze_counter "
                                       "ORDER BY ends_at, assignee_key")).all()
        assert [tuple(r) for r in rows] == [("2026-12-07 09:00:00", 0, 1), ("2026-12-07 09:00:00", 1, 2),
                                            ("2026-12-08 09:00:00", 1, 1)]
        db.session.remove()
        db.engine.dispose()


def test_the_mention_counter_and_order_start_from_the_unread_mentions(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/team.db", "SECRET_KEY": "x",
                      "HALO_QUEUE": "sync"})
    with app.app_context():
        upgrade(revision="0032_snooze_counter")
        for statement in ROWS:
            db.session.execute(text(statement))
        db.session.execute(text(
            "INSERT INTO ticket (id, subject, customer_id, channel, status, bucket, preview, created_at, "
            "last_activity_at, inbox_id) VALUES (2, 'x', 1, 'email', 'open', 'open', '', "
            "'2026-12-01 09:00:00', '2026-12-03 10:00:00', (SELECT min(id) FROM inbox))"))
        db.session.execute(text("UPDATE ticket SET inbox_id = NULL WHERE id = 1"))
        # Ada: two unread on ticket 2 (one ticket), one unread on ticket 1 (no inbox), one read
        for n, (ticket, read) in enumerate([(2, None), (2, None), (1, None), (1, "2026-12-02 09:00:00")]):
            db.session.execute(text(
                "INSERT INTO mention (id, user_id, ticket_id, message_id, created_at, read_at) "
                "VALUES (:id, 1, :t, 1, '2026-12-01 09:00:00', :r)"), {"id": n + 1, "t": ticket, "r": read})
        db.session.commit()
        inbox = db.session.execute(text("SELECT min(id) FROM inbox")).scalar()
        upgrade()
        rows = db.session.execute(text("SELECT user_id, inbox_id, n FROM mention_counter "
                                       "ORDER BY user_id, inbox_id")).all()
        assert [tuple(r) for r in rows] == [(1, 0, 1), (1, inbox, 1)]
        copied = db.session.execute(text("SELECT id, ticket_activity_at FROM mention ORDER BY id")).all()
        assert [tuple(r) for r in copied] == [(1, "2026-12-03 10:00:00"), (2, "2026-12-03 10:00:00"),
                                              (3, "2026-12-01 09:00:00"), (4, None)]  # unread ones only
        db.session.remove()
        db.engine.dispose()
