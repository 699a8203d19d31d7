"""Settings > API tokens: make one (its secret shown once, on the answer to the form),
see when each was last used, revoke. Any teammate has personal tokens; admins also make
workspace (bot) tokens and tokens with the admin scope."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.settings import bp
from halo.models.integrations import TOKEN_SCOPES
from halo.services.errors import HaloError
from halo.services.integrations import tokens


def _page(code: int = 200, secret: str | None = None, made=None, form=None):
    return render_template("settings/api_tokens.html", tokens=tokens.visible_tokens(current_user.id),
                           scopes=TOKEN_SCOPES, secret=secret, made=made, form=form or {}), code


@bp.route("/settings/api-tokens", methods=["GET", "POST"])
def api_tokens():
    if request.method == "GET":
        return _page()
    form = request.form
    try:
        token, secret = tokens.create_token(current_user.id, form.get("name", ""),
                                            form.get("scope", "read"), form.get("kind", "personal"))
    except HaloError as exc:
        flash(str(exc), "error")
        return _page(exc.status_code, form=form)
    # The secret goes out in this answer only: never in a flash message (the session cookie).
    response = _page(201, secret=secret, made=token)
    return response[0], 201, {"Cache-Control": "no-store"}


@bp.post("/settings/api-tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int):
    token = tokens.revoke_token(token_id, current_user.id)
    flash(gettext("“%(name)s” is revoked: calls with it are refused from now on.", name=token.name), "info")
    return redirect(url_for("settings.api_tokens"), code=303)
