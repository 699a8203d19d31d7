"""Halo: a self-hosted helpdesk inbox."""
import os

from flask import Flask

from halo import config, extensions
from halo.extensions import compress, csrf, db, htmx, login_manager, sock
from halo.i18n import init_i18n
from halo.migrating import init_migrate

# The release (CHANGELOG.md); `flask --app wsgi halo version` prints it with the schema's.
__version__ = "0.9.0"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults -> instance/halo.cfg -> environment -> test_config."""
    app = Flask(__name__, instance_path=config.instance_dir(test_config),
                instance_relative_config=True, static_folder=None)  # static: see assets.py
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_pyfile("halo.cfg", silent=True)
    app.config.from_mapping(config.from_env())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.ensure_secret_key(app.instance_path)
    _tune_engine(app)

    db.init_app(app)
    init_migrate(app, db)  # Flask-Migrate, imported only when something migrates
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    # Not imported by name: the halo.mail package would shadow it in this namespace.
    extensions.mail.init_app(app)
    sock.init_app(app)
    compress.init_app(app)
    init_i18n(app)  # Flask-Babel: halo/i18n.py chooses the locale, halo/translations holds catalogues

    from halo import models  # noqa: F401  (register tables with the metadata)
    from halo.assets import init_assets
    from halo.blueprints import register_blueprints
    from halo.blueprints.ops.hooks import init_ops
    from halo.cli import halo_cli
    from halo.jobs import webhooks as webhook_jobs
    from halo.logs import init_logging
    from halo.queue import init_queue
    from halo.realtime import init_realtime
    from halo.security.headers import init_security_headers
    from halo.security.sessions import KeptSignatureSessionInterface
    from halo.services import chat, events
    from halo.services.access import inboxes as access_inboxes
    from halo.services.access import scope as access_scope
    from halo.services.accounts.throttle import init_throttle
    from halo.services.csat import surveys as csat_surveys
    from halo.services.email import outbound as email_outbound
    from halo.services.inbox import (
        counters,
        mention_counts,
        mention_order,
        segment_counts,
        stamps,
    )
    from halo.services.integrations import api_channel, ratelimit
    from halo.services.integrations.webhooks import capture as webhook_capture
    from halo.services.service_levels import hooks as sla_hooks
    from halo.services.tickets import conversation
    from halo.services.tickets.presence import init_presence
    from halo.services.transactions import hooks as transaction_hooks
    from halo.services.transactions import kept, reads
    from halo.storage import init_storage
    from halo.web import register_web

    # What runs on every flush and commit: first, a refusal once a request's writes are
    # over (its answer reads outside a transaction on PostgreSQL); a new ticket's inbox,
    # change stamps, sidebar counters (tickets per view, tickets with an unread mention per
    # teammate), the unread mentions' copy of their ticket's activity time, segment counts,
    # then the events published once the commit succeeds; and on every ORM read, the open
    # access scope (a teammate sees their teams' inboxes); satisfaction surveys offered on
    # resolve; last, webhook events, written in the committing transaction (an outbox); a
    # customer's traits moving their tickets' SLA clocks; the signed-in teammate (and a
    # post's ticket) kept loaded across commits; the change stamps' shared rows last of all,
    # so the one row every write touches is held only for the COMMIT.
    for hooks in (reads.HOOKS, access_inboxes.HOOKS, stamps.HOOKS, counters.HOOKS,
                  mention_counts.HOOKS, mention_order.HOOKS, segment_counts.HOOKS, events.HOOKS,
                  access_scope.HOOKS, csat_surveys.HOOKS, webhook_capture.HOOKS, sla_hooks.HOOKS,
                  kept.HOOKS, stamps.COMMIT_HOOKS):
        transaction_hooks.install(hooks)
    # Channels: how each delivers the team's replies. A new channel is a module and a line here.
    for channel in (email_outbound.CHANNEL, chat.CHANNEL, api_channel.CHANNEL):
        conversation.register_channel(channel)
    init_logging(app)
    init_storage(app)
    init_queue(app)
    init_throttle(app)
    webhook_capture.start_deliveries = webhook_jobs.start  # events to webhooks, by job
    ratelimit.init_app(app)  # the API's per-token limits (REDIS_URL shares the count)
    init_realtime(app)
    chat.init_throttle(app)  # widget rate limits: in memory, or in Redis when scaled out
    init_presence(app)
    init_assets(app)
    register_web(app)
    init_ops(app)
    init_security_headers(app)  # after init_ops: ProxyFix must wrap everything
    app.session_interface = KeptSignatureSessionInterface()  # a cookie's signature checked once
    register_blueprints(app)
    app.cli.add_command(halo_cli)
    return app


def _tune_engine(app: Flask) -> None:
    """SQLite: WAL and a busy timeout so the web, worker and SMTP threads share one file."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        opts = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        opts.setdefault("connect_args", {"timeout": 30})
