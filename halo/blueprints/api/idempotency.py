"""The Idempotency-Key header on POSTs (services/integrations/idempotency.py keeps them)."""
from flask import current_app, g, request

from halo.blueprints.api import problems
from halo.services.integrations import idempotency

HEADER = "Idempotency-Key"


def before():
    """before_request (after auth.authenticate): claim the key, or answer with the stored reply."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or g.get("api_principal") is None:
        return None
    if not key.strip() or len(key) > idempotency.MAX_KEY or not key.isprintable():
        raise problems.invalid(f"{HEADER} must be 1 to {idempotency.MAX_KEY} printable characters.",
                               header=HEADER, status=400)
    print_ = idempotency.fingerprint(request.method, request.path, request.get_data(cache=True))
    try:
        claim_id, stored = idempotency.claim(g.api_principal.token_id, key, print_)
    except idempotency.KeyReused:
        raise problems.Problem(422, f"This {HEADER} was used with a different request; use a new "
                               "key for a new request.", "idempotency-conflict",
                               [{"detail": "used with a different request", "header": HEADER}]) from None
    except idempotency.StillRunning:
        raise problems.Problem(409, f"The first request with this {HEADER} is still running; "
                               "retry once it has answered.", "idempotency-conflict",
                               [{"detail": "still running", "header": HEADER}],
                               headers={"Retry-After": "1"}) from None
    if stored is not None:
        return _replay(stored)
    g.api_idempotency_claim = claim_id
    return None


def _replay(stored):
    response = current_app.response_class(stored.body, status=stored.status)
    for name, value in stored.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def after(response):
    """after_request: keep the answer under the claimed key."""
    claim_id = g.pop("api_idempotency_claim", None)
    if claim_id is not None:
        idempotency.finish(claim_id, response.status_code, response.get_data(), response.headers)
    return response
