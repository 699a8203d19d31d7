"""POST /inbound/email: providers that forward mail post the raw RFC 5322 message here."""
import hmac

from flask import abort, current_app, jsonify, request

from halo.blueprints.access import public
from halo.blueprints.inbound import bp
from halo.extensions import csrf
from halo.services.email.ingest import TooLarge, receive_email
from halo.services.errors import ValidationError


def _authorised() -> bool:
    expected = current_app.config.get("HALO_INBOUND_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    # compare_digest: the time taken says nothing about how much of the token matched.
    return bool(expected) and scheme.lower() == "bearer" and \
        hmac.compare_digest(token.strip().encode(), expected.encode())


@bp.post("/inbound/email")
@public
@csrf.exempt
def receive():
    if not current_app.config.get("HALO_INBOUND_TOKEN"):
        abort(404)
    if not _authorised():
        return jsonify(error="invalid or missing bearer token"), 401, {"WWW-Authenticate": "Bearer"}
    limit = current_app.config["HALO_MAX_EMAIL_BYTES"]
    if (request.content_length or 0) > limit:
        return jsonify(error="message too large"), 413
    raw = request.get_data(cache=False)
    try:
        row, created = receive_email(raw, "webhook",
                                     envelope_from=request.headers.get("X-Envelope-From"),
                                     envelope_to=request.headers.getlist("X-Envelope-To"))
    except TooLarge as exc:
        return jsonify(error=str(exc)), 413
    except ValidationError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(id=row.id, duplicate=not created, state=row.state), 202 if created else 200
