"""The API's views load on its first call (blueprints/api/__init__.py, RULES): the table
names every view the resource modules define, each wearing `endpoint` (its scope and
models), and a served app that never answers an API call holds neither pydantic nor
SpecTree."""
import importlib
import inspect
import os
import subprocess
import sys

from halo.blueprints.api import RULES, _Deferred, load_views

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = """
import sys
from halo import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "HALO_QUEUE": "sync", "SECRET_KEY": "probe"})
client = app.test_client()
client.get("/login")
print(sorted(m for m in ("pydantic", "spectree") if m in sys.modules))
answer = client.get("/api/v1/tickets")
print(answer.status_code, answer.mimetype, sorted(m for m in ("pydantic", "spectree") if m in sys.modules))
answer = client.get("/api/v1/openapi.json")
print(answer.status_code, len(answer.get_json()["paths"]), sorted(m for m in ("pydantic", "spectree") if m in sys.modules))
"""


def test_pages_load_no_api_models_and_the_first_answering_call_loads_them(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    pages, refused, document = out.stdout.strip().splitlines()[-3:]
    assert pages == "[]", out.stderr
    # a call without a token is refused before its view is asked for: nothing loads
    assert refused == "401 application/problem+json []", out.stderr
    assert document.startswith("200 ") and document.endswith(" ['pydantic', 'spectree']"), out.stderr
    assert int(document.split()[1]) >= 15  # every path, from the real views


def test_the_table_names_every_view_of_the_resource_modules():
    named = {(module, name) for _method, _path, module, name in RULES}
    defined = set()
    for module in {module for _m, _p, module, _n in RULES}:
        loaded = importlib.import_module(f"halo.blueprints.api.{module}")
        defined |= {(module, name) for name, value in inspect.getmembers(loaded, inspect.isfunction)
                    if hasattr(value, "api_scope")}
    assert named == defined
    assert len({name for *_rest, name in RULES}) == len(RULES)  # endpoints are unique


def _deferred(app, monkeypatch):
    """The session's app has answered API calls in earlier tests: put the stand-ins back
    (monkeypatch restores the real views after the test)."""
    for *_rest, name in RULES:
        monkeypatch.setitem(app.view_functions, f"api.{name}", _Deferred(name))


def test_load_views_puts_the_real_views_in_place(app, monkeypatch):
    _deferred(app, monkeypatch)
    assert all(isinstance(app.view_functions[f"api.{name}"], _Deferred) for *_r, name in RULES)
    views = load_views(app)
    for _method, _path, _module, name in RULES:
        assert views[f"api.{name}"].api_scope in ("read", "write", "admin")
    assert load_views(app) is views  # twice is harmless


def test_the_first_call_answers_through_the_real_view(app, api_reader, monkeypatch):
    _deferred(app, monkeypatch)
    answer = api_reader.get("/teammates")
    assert answer.status_code == 200 and "data" in answer.get_json()
    assert not isinstance(app.view_functions["api.list_teammates"], _Deferred)
    refused = api_reader.post("/tickets", json={"subject": "x"})  # its scope, checked by the real view
    assert refused.status_code == 403 and refused.get_json()["type"].endswith("insufficient-scope")
