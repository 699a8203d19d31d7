"""Settings > SLA: policies in the order they are tried, each with targets and conditions."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.models import CHANNELS
from halo.services.access import inboxes
from halo.services.errors import ValidationError
from halo.services.service_levels import policies, sla
from halo.services.tickets import tag_catalog


def _render(editing=None, form=None, code=200):
    return render_template("settings/sla.html", policies=sla.policies(), editing=editing, form=form or {},
                           inboxes=inboxes.list_inboxes(), channels=CHANNELS,
                           tags=tag_catalog.list_tags()), code


@bp.get("/settings/sla")
@admin_required
def sla_policies():
    return _render()


@bp.get("/settings/sla/<int:policy_id>")
@admin_required
def sla_policy(policy_id: int):
    policy = policies.get_policy(policy_id)
    return _render(editing=policy, form=_form_of(policy))


@bp.post("/settings/sla")
@bp.post("/settings/sla/<int:policy_id>")
@admin_required
def save_sla_policy(policy_id: int | None = None):
    editing = policies.get_policy(policy_id) if policy_id else None
    try:
        policy = policies.save_policy(policy_id, request.form)
    except ValidationError as exc:
        flash(str(exc), "error")
        return _render(editing=editing, form=request.form, code=400)
    flash(gettext("SLA policy “%(name)s” saved; open tickets' clocks follow within a minute.", name=policy.name), "info")
    return redirect(url_for("settings.sla_policies"))


@bp.post("/settings/sla/<int:policy_id>/delete")
@admin_required
def delete_sla_policy(policy_id: int):
    policies.delete_policy(policy_id)
    flash(gettext("SLA policy deleted."), "info")
    return redirect(url_for("settings.sla_policies"))


@bp.post("/settings/sla/<int:policy_id>/move")
@admin_required
def move_sla_policy(policy_id: int):
    policies.move(policy_id, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("settings.sla_policies"))


def _form_of(policy) -> dict:
    def minutes(value):
        return f"{value} min" if value else ""
    trait = f"{policy.trait_key} = {policy.trait_value}" if policy.trait_key else ""
    return {"name": policy.name, "first_response": minutes(policy.first_response_minutes),
            "next_response": minutes(policy.next_response_minutes),
            "resolution": minutes(policy.resolution_minutes), "priority_only": policy.priority_only,
            "channel": policy.channel or "", "inbox_id": str(policy.inbox_id or ""), "trait": trait,
            "tag_id": str(policy.tag_id or ""),
            "escalate": policy.escalate, "active": policy.active}
