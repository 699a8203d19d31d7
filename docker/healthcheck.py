"""The container's HEALTHCHECK, per role; exits 0 when healthy, 1 with the reason otherwise.

serve: GET /healthz answers 200. smtpd: the receiver greets with 220 and answers NOOP.
worker: Redis, which the worker takes its jobs from, answers PING (the worker itself is
the container's main process: when it dies, the container stops). Light on purpose: it
runs every 30 s and imports no part of Halo.
"""
import os
import smtplib
import sys
import urllib.request


def serve() -> None:
    port = os.environ.get("HALO_PORT", "8000")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"/healthz answered {response.status}")


def smtpd() -> None:
    port = int(os.environ.get("HALO_SMTP_PORT", "2525"))
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        code, _ = smtp.noop()
        if code != 250:
            raise RuntimeError(f"NOOP answered {code}")


def worker() -> None:
    from redis import Redis
    url = os.environ.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: a worker needs Redis")
    Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5).ping()


CHECKS = {"serve": serve, "smtpd": smtpd, "worker": worker}

if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else "serve"
    try:
        CHECKS[role]()
    except KeyError:
        sys.exit(f"unknown role {role!r}: choose from {', '.join(CHECKS)}")
    except Exception as exc:
        sys.exit(f"{role} is unhealthy: {type(exc).__name__}: {exc}")
    print(f"{role}: healthy")
