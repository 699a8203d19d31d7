"""Agent-facing email views: attachments, inline images, the original message, Retry,
who takes part in a conversation."""
from urllib.parse import quote

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user

from halo.blueprints.access import admin_required
from halo.blueprints.emails import bp
from halo.mail.parse import parse_email
from halo.mail.sanitize import allow_remote_images, has_remote_images
from halo.services.email import attachments as email_attachments
from halo.services.email import ingest as email_ingest
from halo.services.email import outbound as email_outbound
from halo.services.email import participants as email_participants
from halo.services.errors import ValidationError
from halo.services.tickets import assignment, conversation
from halo.services.tickets.status import get_ticket
from halo.web import is_fragment_request, send_stored

SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def _locked(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    row, stored = email_attachments.get_attachment(attachment_id)
    response = _locked(send_stored(stored, mimetype=row.content_type, as_attachment=True,
                                 download_name=row.filename, max_age=0))
    if row.previewable:  # a picture the thread shows: fetched once a day, not on every view
        response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/attachments/<int:attachment_id>/original")
@admin_required
def original_file(attachment_id: int):
    # A file over the size limit was never stored: an admin takes it from the original.
    row, payload = email_attachments.original_file(attachment_id)
    response = Response(payload, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = _disposition(row.filename)
    return _locked(response)


def _disposition(filename: str) -> str:
    # RFC 6266: an ASCII fallback and the UTF-8 name (a Shift_JIS or GBK name survives).
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
    return f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(filename, safe="")}'


@bp.get("/email/inbound/<int:inbound_id>/cid/<path:content_id>")
def inline_image(inbound_id: int, content_id: str):
    # <img> loads ignore Content-Disposition, so the same locked-down headers apply.
    row, stored = email_attachments.inline_image(inbound_id, content_id)
    return _locked(send_stored(stored, mimetype=row.content_type, as_attachment=True,
                             download_name=row.filename, max_age=0))


@bp.get("/email/inbound/<int:inbound_id>")
def original(inbound_id: int):
    inbound = email_ingest.get_inbound(inbound_id)
    if request.args.get("raw"):
        response = Response(inbound.raw, mimetype="text/plain")
        response.headers["Content-Disposition"] = f'attachment; filename="email-{inbound.id}.eml"'
        return _locked(response)
    parsed, error = None, None
    try:
        parsed = parse_email(inbound.raw, cid_url=lambda cid: email_attachments.cid_path(inbound_id, cid))
    except Exception as exc:
        error = str(exc)
    html = parsed.html if parsed else ""
    images = request.args.get("images") == "1"
    response = Response(render_template(
        "emails/original.html", inbound=inbound, parsed=parsed, error=error,
        html=allow_remote_images(html) if images else html, images=images,
        blocked=has_remote_images(html) and not images,
        message=email_ingest.message_of(inbound.id),
        ticket=get_ticket(inbound.ticket_id) if inbound.ticket_id else None))
    # Remote images load only after the agent asked; nothing else may load or run.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        + ("img-src 'self' data: https: http:" if images else "img-src 'self' data:"))
    return response


@bp.post("/email/messages/<int:message_id>/participant")
def add_participant(message_id: int):
    try:
        email_participants.add_from_message(message_id, current_user.id)
    except ValidationError as exc:
        return str(exc), 400
    return _thread_item(message_id)


@bp.app_template_filter("filesize")
def _filesize(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@bp.app_template_global("email_participant")
def _email_participant(ticket, address: str) -> bool:
    return email_participants.is_participant(ticket, address)


def _thread_item(message_id: int):
    message = conversation.get_message(message_id)
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=message.ticket_id) + f"#msg-{message.id}")
    users = {u.id: u for u in assignment.team()}
    return render_template("tickets/_thread_item.html", m=message, ticket=get_ticket(message.ticket_id),
                           users_by_id=users)


@bp.post("/email/messages/<int:message_id>/retry")
def retry(message_id: int):
    try:
        email_outbound.retry_send(message_id, current_user.id)
    except ValidationError as exc:
        return str(exc), 400
    return _thread_item(message_id)
