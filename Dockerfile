# Halo in one image: `serve` (web), `worker` (RQ jobs and the schedule) or `smtpd` (the SMTP
# receiver), chosen by the command (docker/entrypoint.sh). Build: docker build -t halo .
# Verified here with hadolint and `docker-compose config` (README, "Deploy").

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: the virtualenv, from wheels only (psycopg, brotli, cryptography ship binary
# wheels), so no compiler is needed and none reaches the final image.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt requirements-translate.txt requirements-translate-nodeps.txt /tmp/
# TRANSLATE=1 adds the offline translation extra (no torch: see the README, "Translation").
ARG TRANSLATE=0
RUN python -m venv /opt/halo/venv \
    && /opt/halo/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt \
    && if [ "$TRANSLATE" = "1" ]; then \
         /opt/halo/venv/bin/pip install --only-binary=:all: -r /tmp/requirements-translate.txt \
         && /opt/halo/venv/bin/pip install --only-binary=:all: --no-deps -r /tmp/requirements-translate-nodeps.txt; \
       fi \
    && find /opt/halo/venv -name '__pycache__' -prune -exec rm -rf {} +

# Final stage: the interpreter, the virtualenv and Halo's code, and pg_dump / pg_restore for
# `halo backup` and `halo upgrade` (Debian 12's client, 15, matches compose.yaml's server).
FROM ${PYTHON_IMAGE}
ARG HALO_UID=10001
# Not pinned to a version: Debian's security updates for the client should come in with a rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid "${HALO_UID}" halo \
    && useradd --system --uid "${HALO_UID}" --gid halo --home-dir /srv/halo --no-create-home \
       --shell /usr/sbin/nologin halo
COPY --from=build /opt/halo/venv /opt/halo/venv
WORKDIR /srv/halo
# Code owned by root, read-only to the halo user; only instance/ (a volume) is writable.
COPY wsgi.py ./
COPY halo ./halo
COPY docker/entrypoint.sh /usr/local/bin/halo-entrypoint
COPY docker/healthcheck.py /usr/local/bin/halo-healthcheck
RUN mkdir -p /srv/halo/instance && chown halo:halo /srv/halo/instance
ENV PATH=/opt/halo/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLASK_APP=wsgi \
    HALO_APP_DIR=/srv/halo \
    HALO_HOST=0.0.0.0 \
    HALO_PORT=8000 \
    HALO_SMTP_HOST=0.0.0.0 \
    HALO_SMTP_PORT=2525
USER ${HALO_UID}:${HALO_UID}
VOLUME ["/srv/halo/instance"]
EXPOSE 8000 2525
# Per role: /healthz for serve, an SMTP greeting for smtpd, a Redis PING for worker.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["halo-entrypoint", "healthcheck"]
ENTRYPOINT ["halo-entrypoint"]
CMD ["serve"]
