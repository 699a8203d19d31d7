from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.knowledge import bp
from halo.services.access import roles
from halo.services.errors import ValidationError
from halo.services.knowledge import directives


@bp.get("/knowledge")
def index():
    return redirect(url_for("knowledge.training"))


@bp.get("/knowledge/training")
def training():
    return render_template("knowledge/training.html", directives=directives.list_directives())


@bp.route("/knowledge/training/<int:directive_id>", methods=["GET", "POST"])
def edit_directive(directive_id: int):
    roles.require(current_user.id, "publish")
    directive = directives.get_directive(directive_id)
    if request.method == "POST":
        try:
            directives.update_directive(directive_id, request.form.get("body", ""),
                                        request.form.get("enabled") == "on", current_user.id)
            flash(gettext("Directive saved."), "info")
            return redirect(url_for("knowledge.training"))
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("knowledge/edit.html", directive=directive,
                                   body=request.form.get("body", "")), 400
    return render_template("knowledge/edit.html", directive=directive, body=directive.body)


@bp.post("/knowledge/training/<int:directive_id>/delete")
def delete_directive(directive_id: int):
    directives.delete_directive(directive_id, current_user.id)
    flash(gettext("Directive deleted."), "info")
    return redirect(url_for("knowledge.training"))


@bp.post("/knowledge/training/<int:directive_id>/publish")
def publish_directive(directive_id: int):
    """An admin (or a teammate granted the permission) lets the AI use a draft directive."""
    directives.publish_directive(directive_id, current_user.id)
    flash(gettext("Directive published: the AI uses it from now on."), "info")
    return redirect(url_for("knowledge.training") + f"#directive-{directive_id}")
