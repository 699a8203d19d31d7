"""Settings > Emails: email settings, trusted senders, inbound mailboxes, could not process."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.access import admin_required, public
from halo.blueprints.emails import bp
from halo.i18n import Translated
from halo.services import netguard
from halo.services.email import held as email_held
from halo.services.email import imap as imap_poll
from halo.services.email import ingest as email_ingest
from halo.services.email import oauth as mailbox_oauth
from halo.services.email import settings as email_settings
from halo.services.errors import ValidationError


def _done(message: str, endpoint: str):
    flash(message, "info")
    return redirect(url_for(endpoint))


@bp.route("/settings/emails", methods=["GET", "POST"])
@admin_required
def settings():
    if request.method == "POST":
        try:
            email_settings.save_preferences(request.form.get("reply_from", ""),
                                            request.form.get("signature", ""))
            return _done("Saved.", "emails.settings")
        except ValidationError as exc:
            flash(str(exc), "error")
    return render_template("emails/settings.html", **email_settings.email_settings())


@bp.post("/settings/emails/senders")
@admin_required
def add_sender():
    try:
        sender = email_settings.add_sender(request.form.get("email"), request.form.get("name"),
                                           request.url_root)
        return _done(f"A confirmation link was sent to {sender.email}.", "emails.settings")
    except ValidationError as exc:
        flash(str(exc), "error")
        return render_template("emails/settings.html", **email_settings.email_settings()), 400


@bp.post("/settings/emails/senders/<int:sender_id>/<action>")
@admin_required
def sender_action(sender_id: int, action: str):
    try:
        if action == "default":
            email_settings.set_default_sender(sender_id)
        elif action == "resend":
            email_settings.resend_verification(sender_id, request.url_root)
        elif action == "delete":
            email_settings.remove_sender(sender_id)
        else:
            raise ValidationError(gettext("Unknown action."))
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("emails.settings"))
    return _done("Saved.", "emails.settings")


@bp.route("/settings/emails/verify/<token>", methods=["GET", "POST"])
@public
def verify(token: str):
    # GET only shows a button: link scanners that prefetch URLs must not confirm anything.
    if request.method == "GET":
        return render_template("emails/verify.html", token=token, sender=None, error=None)
    try:
        sender = email_settings.verify_sender(token)
    except ValidationError as exc:
        return render_template("emails/verify.html", token=token, sender=None, error=str(exc)), 400
    return render_template("emails/verify.html", token=token, sender=sender, error=None)


@bp.route("/settings/emails/trusted", methods=["GET", "POST"])
@admin_required
def trusted():
    if request.method == "POST":
        try:
            email_settings.add_trusted(request.form.get("pattern"))
            return _done("Added.", "emails.trusted")
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("emails/trusted.html", trusted=email_settings.trusted_senders()), 400
    return render_template("emails/trusted.html", trusted=email_settings.trusted_senders())


@bp.post("/settings/emails/trusted/<int:trusted_id>/delete")
@admin_required
def remove_trusted(trusted_id: int):
    email_settings.remove_trusted(trusted_id)
    return _done("Removed.", "emails.trusted")


@bp.route("/settings/emails/inbound", methods=["GET", "POST"])
@admin_required
def inbound():
    if request.method == "POST":
        f = request.form
        try:
            email_settings.add_mailbox(f.get("host"), f.get("port"), f.get("use_ssl") == "on",
                                       f.get("username"), f.get("password"), f.get("folder"))
            return _done("Mailbox added; it is polled every minute.", "emails.inbound")
        except ValidationError as exc:
            flash(str(exc), "error")
            return _inbound_page(), 400
    return _inbound_page()


@bp.post("/settings/emails/inbound/<int:mailbox_id>/<action>")
@admin_required
def mailbox_action(mailbox_id: int, action: str):
    if action == "poll":
        stored, error = imap_poll.poll_now(mailbox_id)
        if error:
            flash(gettext("The poll failed: %(error)s", error=error), "error")
            return redirect(url_for("emails.inbound"))
        return _done(f"Polled: {stored} new message(s).", "emails.inbound")
    if action == "delete":
        email_settings.remove_mailbox(mailbox_id)
        return _done("Mailbox removed.", "emails.inbound")
    if action == "signin":
        return _sign_in(mailbox_id)
    flash(gettext("Unknown action."), "error")
    return redirect(url_for("emails.inbound"))


@bp.post("/settings/emails/inbound/oauth")
@admin_required
def add_oauth_mailbox():
    f = request.form
    try:
        box = mailbox_oauth.add_oauth_mailbox(
            f.get("provider", ""), f.get("username"), f.get("client_id"), f.get("client_secret"),
            tenant=f.get("tenant", ""), folder=f.get("folder", "INBOX"), host=f.get("host", ""),
            port=f.get("port", ""), authorize_url=f.get("authorize_url", ""),
            token_url=f.get("token_url", ""), scope=f.get("scope", ""), use_ssl=f.get("use_ssl") == "on")
    except ValidationError as exc:
        flash(str(exc), "error")
        return _inbound_page(), 400
    return _sign_in(box.id)


def _sign_in(mailbox_id: int):
    """A page with the link to the provider (a link, not a redirect from a form post: the
    page's form-action policy need not name every provider)."""
    try:
        url = mailbox_oauth.start_sign_in(mailbox_id, current_user.id, _callback_url())
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("emails.inbound"))
    return render_template("emails/oauth_signin.html", url=url,
                           mailbox=email_settings.get_mailbox(mailbox_id),
                           providers=mailbox_oauth.PROVIDERS)


@bp.get("/settings/emails/oauth/callback")
@admin_required
def oauth_callback():
    a = request.args
    try:
        box = mailbox_oauth.finish_sign_in(a.get("state", ""), a.get("code", ""), current_user.id,
                                           error=a.get("error", ""),
                                           error_description=a.get("error_description", ""))
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("emails.inbound"))
    except netguard.OutboundError as exc:
        flash(gettext("Signing in failed: %(exc)s", exc=exc), "error")
        return redirect(url_for("emails.inbound"))
    return _done(f"Signed in to {box.username}; it is polled every minute.", "emails.inbound")


def _callback_url() -> str:
    return url_for("emails.oauth_callback", _external=True)


def _inbound_page():
    return render_template("emails/inbound.html", mailboxes=email_settings.mailboxes(),
                           providers=mailbox_oauth.PROVIDERS, callback_url=_callback_url())


@bp.get("/settings/emails/failed")
@admin_required
def failed():
    return render_template("emails/failed.html", emails=email_ingest.failed_emails(),
                           held=email_held.held_for_admins(), held_labels=Translated(email_held.LABELS))


@bp.post("/settings/emails/held/<int:inbound_id>/release")
@admin_required
def release_held(inbound_id: int):
    try:
        inbound = email_held.release(inbound_id)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("emails.failed"))
    inbound = email_ingest.get_inbound(inbound.id)
    state = "processed" if inbound.state in ("done", "ignored") else inbound.state
    return _done(f"Email #{inbound.id} released: {state}.", "emails.failed")


@bp.post("/settings/emails/failed/<int:inbound_id>/reprocess")
@admin_required
def reprocess(inbound_id: int):
    try:
        inbound = email_ingest.reprocess(inbound_id)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("emails.failed"))
    inbound = email_ingest.get_inbound(inbound.id)
    state = "processed" if inbound.state in ("done", "ignored") else inbound.state
    return _done(f"Email #{inbound.id} reprocessed: {state}.", "emails.failed")
