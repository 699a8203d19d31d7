"""Settings > Inboxes and Settings > Teams: who works which inbox."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.access import inboxes, teams
from halo.services.accounts import users as accounts
from halo.services.email import settings as email_settings
from halo.services.errors import ValidationError
from halo.services.settings import get_setting

AUTO_ASSIGN = {"": None, "on": True, "off": False}


def _ids(name: str) -> list[int]:
    try:
        return [int(v) for v in request.form.getlist(name)]
    except ValueError:
        raise ValidationError(gettext("Choose from the list.")) from None


def _inbox_form(inbox_id: int | None):
    form = request.form
    raw_sender = form.get("sender_address_id", "")
    try:
        sender = int(raw_sender) if raw_sender else None
    except ValueError:
        raise ValidationError(gettext("Choose a sender address from the list.")) from None
    if form.get("auto_assign", "") not in AUTO_ASSIGN:
        raise ValidationError(gettext("Choose an auto-assign rule."))
    return inboxes.save_inbox(
        current_user.id, inbox_id, name=form.get("name", ""), addresses=form.get("addresses", ""),
        sender_address_id=sender, signature=form.get("signature", ""),
        auto_assign=AUTO_ASSIGN[form.get("auto_assign", "")], team_ids=_ids("team_ids"),
        chat=form.get("chat") == "on", mailbox_ids=_ids("mailbox_ids"))


def _inbox_page(inbox=None, form=None, code=200):
    return render_template("settings/inboxes.html", inboxes=inboxes.list_inboxes(), inbox=inbox,
                           form=form, teams=teams.list_teams(), senders=email_settings.email_settings()["senders"],
                           mailboxes=email_settings.mailboxes(),
                           chat_inbox_id=get_setting("chat_inbox_id") or inboxes.default_inbox_id()), code


@bp.route("/settings/inboxes", methods=["GET", "POST"])
@admin_required
def inboxes_page():
    """Every inbox, and a new one."""
    if request.method == "POST":
        try:
            inbox = _inbox_form(None)
            flash(gettext("Inbox “%(name)s” created.", name=inbox.name), "info")
            return redirect(url_for("settings.inboxes_page"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            return _inbox_page(form=request.form, code=400)
    return _inbox_page()


@bp.route("/settings/inboxes/<int:inbox_id>", methods=["GET", "POST"])
@admin_required
def edit_inbox(inbox_id: int):
    """One inbox: name, addresses, sender, signature, auto-assign, the widget, teams."""
    inbox = inboxes.get_inbox(inbox_id)
    if request.method == "POST":
        try:
            _inbox_form(inbox_id)
            flash(gettext("Inbox saved."), "info")
            return redirect(url_for("settings.inboxes_page"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            return _inbox_page(inbox, form=request.form, code=400)
    return _inbox_page(inbox)


@bp.post("/settings/inboxes/<int:inbox_id>/delete")
@admin_required
def delete_inbox(inbox_id: int):
    try:
        inboxes.delete_inbox(current_user.id, inbox_id)
        flash(gettext("Inbox removed."), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("settings.inboxes_page"), code=303)


def _team_page(team=None, form=None, code=200):
    return render_template("settings/teams.html", teams=teams.list_teams(), team=team, form=form,
                           users=[u for u in accounts.all_users() if u.active],
                           inboxes=inboxes.list_inboxes()), code


def _team_form(team_id: int | None):
    return teams.save_team(current_user.id, team_id, name=request.form.get("name", ""),
                           member_ids=_ids("member_ids"), inbox_ids=_ids("inbox_ids"))


@bp.route("/settings/teams", methods=["GET", "POST"])
@admin_required
def teams_page():
    """Every team, and a new one."""
    if request.method == "POST":
        try:
            team = _team_form(None)
            flash(gettext("Team “%(name)s” created.", name=team.name), "info")
            return redirect(url_for("settings.teams_page"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            return _team_page(form=request.form, code=400)
    return _team_page()


@bp.route("/settings/teams/<int:team_id>", methods=["GET", "POST"])
@admin_required
def edit_team(team_id: int):
    """One team: its name, members and inboxes."""
    team = teams.get_team(team_id)
    if request.method == "POST":
        try:
            _team_form(team_id)
            flash(gettext("Team saved."), "info")
            return redirect(url_for("settings.teams_page"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            return _team_page(team, form=request.form, code=400)
    return _team_page(team)


@bp.post("/settings/teams/<int:team_id>/delete")
@admin_required
def delete_team(team_id: int):
    teams.delete_team(current_user.id, team_id)
    flash(gettext("Team removed."), "info")
    return redirect(url_for("settings.teams_page"), code=303)
