"""Settings > Tags: every tag with its colour and use; rename, recolour or delete one."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets import tag_catalog


@bp.get("/settings/tags")
@admin_required
def tags_page():
    return render_template("settings/tags.html", tags=tag_catalog.list_tags(),
                           palette=tag_catalog.PALETTE)


@bp.post("/settings/tags/<int:tag_id>")
@admin_required
def save_tag(tag_id: int):
    try:
        tag = tag_catalog.update_tag(tag_id, current_user.id, name=request.form.get("name"),
                                     colour=request.form.get("colour"))
    except (ValidationError, NotFound) as exc:
        flash(str(exc), "error")
        return render_template("settings/tags.html", tags=tag_catalog.list_tags(),
                               palette=tag_catalog.PALETTE), exc.status_code
    flash(gettext("Saved the tag “%(name)s”.", name=tag.name), "info")
    return redirect(url_for("settings.tags_page"))


@bp.post("/settings/tags/<int:tag_id>/delete")
@admin_required
def delete_tag(tag_id: int):
    try:
        carried = tag_catalog.delete_tag(tag_id, current_user.id)
    except (NotFound, ValidationError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.tags_page"))
    flash(ngettext("Deleted the tag; it came off %(num)s ticket.", "Deleted the tag; it came off %(num)s tickets.", carried), "info")
    return redirect(url_for("settings.tags_page"))
