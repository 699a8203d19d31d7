"""Database models, one module per aggregate."""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from halo.models.access import Inbox, InboxAddress, Team, team_inbox, team_member
from halo.models.ai import AiDraft, Article, DirectiveUse, PilotMessage
from halo.models.audit import AuditEvent
from halo.models.chat import AliasUser, Visitor
from halo.models.csat import RATING_LABELS, RATINGS, CsatSurvey
from halo.models.customers import (
    CustomerAddress,
    CustomerImport,
    CustomerMerge,
    CustomerNote,
)
from halo.models.email import (
    EmailAttachment,
    EmailParticipant,
    InboundEmail,
    Mailbox,
    OutboundEmail,
    SenderAddress,
    TrustedSender,
)
from halo.models.integrations import ApiToken, IdempotencyKey
from halo.models.knowledge import Directive
from halo.models.lease import Lease
from halo.models.mailbox_oauth import MailboxOAuth
from halo.models.segments import Segment
from halo.models.service_levels import (
    BusinessHoliday,
    BusinessHours,
    SlaPolicy,
    TicketSla,
)
from halo.models.settings import Setting
from halo.models.tickets import (
    BUCKETS,
    CHANNEL_LABELS,
    CHANNELS,
    DELIVERY_LABELS,
    STATUS_LABELS,
    STATUSES,
    ChangeStamp,
    Customer,
    Mention,
    MentionCounter,
    Message,
    SnoozeCounter,
    Tag,
    Ticket,
    TicketCounter,
    TicketTag,
)
from halo.models.tools import Notification, SavedReply
from halo.models.users import LoginSession, RecoveryCode, User
from halo.models.webhooks import (
    ApiChannel,
    ApiContact,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "CustomerAddress", "CustomerImport", "CustomerMerge", "CustomerNote",
    "BusinessHoliday", "BusinessHours", "EmailParticipant", "SlaPolicy", "TicketSla",
    "Inbox", "InboxAddress", "Team", "team_inbox", "team_member",
    "AliasUser", "Visitor", "BUCKETS", "CHANNEL_LABELS", "CHANNELS", "DELIVERY_LABELS", "STATUS_LABELS", "STATUSES", "Customer",
    "Directive", "Mention", "Message", "Lease", "Segment", "Setting", "Ticket", "TicketCounter", "SnoozeCounter", "MentionCounter", "ChangeStamp",
    "LoginSession", "RecoveryCode", "User", "AuditEvent", "AiDraft", "Article", "DirectiveUse", "PilotMessage", "Notification",
    "SavedReply", "ApiToken", "IdempotencyKey", "Tag", "TicketTag",
    "WebhookDelivery", "WebhookEndpoint", "WebhookEvent", "ApiChannel", "ApiContact",
    "EmailAttachment", "InboundEmail", "Mailbox", "OutboundEmail", "SenderAddress", "TrustedSender",
    "MailboxOAuth", "CsatSurvey", "RATINGS", "RATING_LABELS",
]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers run beside the one writer; foreign keys keep references honest.

    Reads: no mmap. A mapping is per connection, so every page a pooled connection touched
    counted again in the worker's RSS (374 MB after 300 ticket pages in one process, 13-18 MB
    after the core benchmark), and was no faster here (bench/README.md, "Worker memory to
    100 MiB"). Pages come from the OS page cache into a 4 MB cache per connection, which
    bounds what a connection keeps; in-memory temp b-trees keep small sorts off disk.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before it returns, so an email acknowledged with
        # SMTP 250 survives a power cut too (about 0.6 ms per commit here; NORMAL
        # could lose the last transactions on power loss).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA mmap_size=0")
        cur.execute("PRAGMA cache_size=-4000")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()
