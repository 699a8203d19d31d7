from flask import flash, redirect, render_template, request, url_for

from halo.blueprints.access import admin_required
from halo.blueprints.knowledge import bp
from halo.services.errors import ValidationError
from halo.services.knowledge import directives


@bp.get("/knowledge")
def index():
    return redirect(url_for("knowledge.training"))


@bp.get("/knowledge/training")
def training():
    return render_template("knowledge/training.html", directives=directives.list_directives())


@bp.route("/knowledge/training/<int:directive_id>", methods=["GET", "POST"])
@admin_required
def edit_directive(directive_id: int):
    directive = directives.get_directive(directive_id)
    if request.method == "POST":
        try:
            directives.update_directive(directive_id, request.form.get("body", ""),
                                        request.form.get("enabled") == "on")
            flash("Directive saved.", "info")
            return redirect(url_for("knowledge.training"))
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("knowledge/edit.html", directive=directive,
                                   body=request.form.get("body", "")), 400
    return render_template("knowledge/edit.html", directive=directive, body=directive.body)


@bp.post("/knowledge/training/<int:directive_id>/delete")
@admin_required
def delete_directive(directive_id: int):
    directives.delete_directive(directive_id)
    flash("Directive deleted.", "info")
    return redirect(url_for("knowledge.training"))
