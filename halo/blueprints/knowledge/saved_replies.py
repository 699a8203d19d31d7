"""Knowledge > Saved replies: the team's snippets, managed by any teammate."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.knowledge import bp
from halo.services.errors import ValidationError
from halo.services.knowledge import saved_replies


@bp.route("/knowledge/saved-replies", methods=["GET", "POST"], endpoint="saved_replies")
def saved_replies_page():
    form, code = None, 200
    if request.method == "POST":
        form = request.form
        try:
            saved_replies.save_reply(form.get("title"), form.get("body"), current_user.id,
                                     reply_id=_id(form.get("reply_id")))
            flash(gettext("Saved reply stored."), "info")
            return redirect(url_for("knowledge.saved_replies"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("knowledge/saved_replies.html", replies=saved_replies.list_replies(),
                           fields=saved_replies.FIELDS, form=form), code


@bp.post("/knowledge/saved-replies/<int:reply_id>/delete")
def delete_saved_reply(reply_id: int):
    saved_replies.delete_reply(reply_id, current_user.id)
    flash(gettext("Saved reply deleted."), "info")
    return redirect(url_for("knowledge.saved_replies"), code=303)


def _id(raw):
    try:
        return int(raw) if raw else None
    except ValueError:
        raise ValidationError(gettext("Unknown saved reply.")) from None

