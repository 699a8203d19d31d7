"""CSV import of customers: upload, preview with per-row errors, then import the good rows."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.customers import bp
from halo.services.access import roles
from halo.services.customers import importing
from halo.services.errors import ValidationError

PREVIEW_ROWS = 500


@bp.get("/customers/import")
def import_form():
    roles.require(current_user.id, "work")
    return render_template("customers/import.html", max_mb=importing.MAX_BYTES // 1048576)


@bp.post("/customers/import")
def import_preview():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose a CSV file to import."), "error")
        return redirect(url_for("customers.import_form"))
    data = upload.stream.read(importing.MAX_BYTES + 1)  # never more than the limit in memory
    try:
        record, rows = importing.preview_import(current_user.id, data, upload.filename)
    except ValidationError as exc:
        return render_template("customers/import.html", max_mb=importing.MAX_BYTES // 1048576,
                               error=str(exc)), exc.status_code
    errors = [r for r in rows if r.action == "error"]
    return render_template("customers/import_preview.html", record=record, errors=errors,
                           rows=[r for r in rows if r.action != "error"][:PREVIEW_ROWS], shown=PREVIEW_ROWS)


@bp.post("/customers/import/<int:import_id>/run")
def import_run(import_id: int):
    try:
        result = importing.run_import(current_user.id, import_id)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("customers.import_form"))
    message = f"Imported: {result['created']} new, {result['updated']} updated."
    if result["failed"]:
        message += f" {len(result['failed'])} not imported: " + "; ".join(result["failed"][:5])
    flash(message, "info")
    return redirect(url_for("customers.index", sort="newest"))
