"""0013_widget_identity's data step on a database of its own: emails an unverified identify
gave a chat profile become claims, unless mail has reached that profile."""
from flask_migrate import upgrade
from sqlalchemy import text

from halo import create_app
from halo.extensions import db

ROWS = """
insert into customer (id, email, name, traits, created_at) values
  (1, 'claimed@example.com', 'Mallory', '{"plan": "x"}', '2026-01-01'),
  (2, 'verified@example.com', 'Vera', '{}', '2026-01-01'),
  (3, 'mailed@example.com', 'Max', '{}', '2026-01-01'),
  (4, 'plain@example.com', 'Paula', '{}', '2026-01-01'),
  (5, null, 'Trait', '{"claimed_email": "vip@example.com", "plan": "pro"}', '2026-01-01');
insert into visitor (id, key, customer_id, connections, identified, last_seen_at, created_at) values
  (1, 'k1', 1, 0, 0, '2026-01-01', '2026-01-01'),
  (2, 'k2', 2, 0, 1, '2026-01-01', '2026-01-01'),
  (3, 'k3', 3, 0, 0, '2026-01-01', '2026-01-01'),
  (5, 'k5', 5, 0, 0, '2026-01-01', '2026-01-01');
insert into ticket (id, subject, customer_id, channel, status, bucket, preview, created_at,
                    last_activity_at, ai_paused) values
  (1, 'chat', 1, 'chat', 'open', 'open', '', '2026-01-01', '2026-01-01', 0),
  (3, 'mail', 3, 'email', 'open', 'open', '', '2026-01-01', '2026-01-01', 0);
"""


def test_unverified_chat_emails_become_claims(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0012_business_hours")
        for statement in ROWS.strip().split(";"):
            if statement.strip():
                db.session.execute(text(statement))
        db.session.commit()
        upgrade(revision="0013_widget_identity")
        rows = db.session.execute(text(
            "select id, email, claimed_email, traits from customer order by id")).all()
        db.session.remove()
        db.engine.dispose()
    got = {r[0]: (r[1], r[2]) for r in rows}
    assert got == {
        1: (None, "claimed@example.com"),  # only unverified chat: the address was a claim
        2: ("verified@example.com", None),  # a verified visitor's
        3: ("mailed@example.com", None),  # mail reached it: an agent judges, not a migration
        4: ("plain@example.com", None),  # no visitor at all
        5: (None, "vip@example.com"),  # the old trait moved to the column
    }
    assert '"claimed_email"' not in rows[4][3] and '"plan"' in rows[4][3]
