"""API fixtures: tokens, and a client that sends one."""
import pytest

from halo.services.integrations import tokens
from tests.factories import make_user


class Api:
    """The test client with a bearer token: api.get("/tickets") calls /api/v1/tickets."""

    def __init__(self, client, secret):
        self.client, self.secret = client, secret

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.secret}", **(extra or {})}

    def get(self, path, **kw):
        return self.client.get("/api/v1" + path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post("/api/v1" + path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch("/api/v1" + path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete("/api/v1" + path, headers=self.headers(kw.pop("headers", None)), **kw)


def token_for(user, scope="write", kind="personal"):
    """A token's secret, made through the service as Settings makes it."""
    return tokens.create_token(user.id, f"{scope} token", scope, kind)[1]


@pytest.fixture
def api_admin(client, admin):
    return Api(client, token_for(admin, "admin"))


@pytest.fixture
def api_agent(client, agent):
    return Api(client, token_for(agent, "write"))


@pytest.fixture
def api_reader(client):
    return Api(client, token_for(make_user(name="Reed Only"), "read"))


@pytest.fixture
def api_bot(client, admin):
    return Api(client, token_for(admin, "write", kind="workspace"))
