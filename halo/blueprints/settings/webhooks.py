"""Settings > Webhooks (admins): subscribe URLs to events, see each one's secret and
delivery log, redeliver, turn an endpoint off and on; and API channels, inboxes whose
bridges post customers' messages and get the replies at their URL."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.errors import ValidationError
from halo.services.integrations import api_channel
from halo.services.integrations.webhooks import capture, endpoints


def _form_values():
    form = request.form
    return (form.get("url", ""), form.getlist("events"), form.get("description", ""))


@bp.route("/settings/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks():
    code, form = 200, {}
    if request.method == "POST":
        url, events, description = _form_values()
        try:
            endpoint = endpoints.create_endpoint(url, events, description, current_user.id)
            flash(gettext("Webhook added. Verify its signatures with the secret shown here."), "info")
            return redirect(url_for("settings.webhook", endpoint_id=endpoint.id), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            code, form = 400, request.form
    return _index(form, code)


def _index(form, code):
    channels = api_channel.list_channels()
    bridge_endpoints = {c.endpoint_id for c in channels}
    return render_template("settings/webhooks.html", channels=channels, form=form,
                           endpoints=[e for e in endpoints.list_endpoints() if e.id not in bridge_endpoints],
                           event_types=capture.EVENT_TYPES), code


@bp.post("/settings/api-channels")
@admin_required
def create_api_channel():
    try:
        channel = api_channel.create_channel(current_user.id, request.form.get("name", ""),
                                             request.form.get("url", ""))
    except ValidationError as exc:
        flash(str(exc), "error")
        return _index(request.form, 400)
    flash(gettext("API channel “%(name)s” added: its bridge posts to /api/v1/inboxes/%(inbox_id)s/messages.", name=channel.inbox.name, inbox_id=channel.inbox_id), "info")
    return redirect(url_for("settings.webhook", endpoint_id=channel.endpoint_id), code=303)


@bp.route("/settings/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@admin_required
def webhook(endpoint_id: int):
    endpoint, code = endpoints.get_endpoint(endpoint_id), 200
    if request.method == "POST":
        url, events, description = _form_values()
        try:
            endpoints.update_endpoint(endpoint_id, url, events, description,
                                      request.form.get("active") == "on", bridge=_bridge(endpoint_id))
            flash(gettext("Saved."), "info")
            return redirect(url_for("settings.webhook", endpoint_id=endpoint_id), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/webhook.html", endpoint=endpoint, bridge=_bridge(endpoint_id),
                           secret=endpoints.secret_of(endpoint), event_types=capture.EVENT_TYPES,
                           deliveries=endpoints.deliveries(endpoint_id)), code


def _bridge(endpoint_id: int) -> bool:
    return any(c.endpoint_id == endpoint_id for c in api_channel.list_channels())


@bp.post("/settings/webhooks/<int:endpoint_id>/rotate")
@admin_required
def rotate_webhook_secret(endpoint_id: int):
    endpoints.rotate_secret(endpoint_id)
    flash(gettext("New secret made: receivers must use it from now on."), "info")
    return redirect(url_for("settings.webhook", endpoint_id=endpoint_id), code=303)


@bp.post("/settings/webhooks/<int:endpoint_id>/delete")
@admin_required
def delete_webhook(endpoint_id: int):
    endpoints.delete_endpoint(endpoint_id)
    flash(gettext("Webhook removed."), "info")
    return redirect(url_for("settings.webhooks"), code=303)


@bp.post("/settings/webhooks/deliveries/<int:delivery_id>/redeliver")
@admin_required
def redeliver_webhook(delivery_id: int):
    again = endpoints.redeliver(delivery_id)
    flash(gettext("Queued to be sent again."), "info")
    return redirect(url_for("settings.webhook", endpoint_id=again.endpoint_id), code=303)
