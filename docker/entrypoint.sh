#!/bin/sh
# Halo's container entrypoint: one image, one role per container.
#
#   serve    migrate the database, create the first admin (HALO_ADMIN_EMAIL /
#            HALO_ADMIN_PASSWORD), then serve with gunicorn on HALO_HOST:HALO_PORT
#            (HALO_WORKERS processes x HALO_THREADS threads; --no-smtp unless
#            HALO_EMBEDDED_SMTP=1, the smtpd container receives mail)
#   worker   wait for the schema, then run RQ jobs and the schedule (HALO_WORKER_QUEUES)
#   smtpd    wait for the schema, then run the SMTP receiver on HALO_SMTP_HOST:HALO_SMTP_PORT
#   migrate  migrate the database and exit
#   healthcheck   the container's HEALTHCHECK: checks whatever role this container runs
#   flask ...     any Flask command (flask halo backup ..., flask halo version)
#   anything else is run as given
set -eu

cd "${HALO_APP_DIR:-/srv/halo}"
export FLASK_APP="${FLASK_APP:-wsgi}"
# Which role this container runs, for `healthcheck` (run later, by Docker, in the same container).
ROLE_FILE="${HALO_ROLE_FILE:-/tmp/halo-role}"

log() {
    printf '%s halo-entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# Wait until the database answers with the schema this code expects (the web container
# migrates it), at most HALO_WAIT_SECONDS.
wait_for_schema() {
    deadline=$(( $(date +%s) + ${HALO_WAIT_SECONDS:-300} ))
    until flask halo check --check database >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "the database is not ready after ${HALO_WAIT_SECONDS:-300} s:"
            flask halo check --check database >&2 || true
            exit 1
        fi
        log "waiting for the database and its schema"
        sleep 3
    done
}

role="${1:-serve}"
if [ "$#" -gt 0 ]; then shift; fi

case "$role" in
    serve|web)
        printf 'serve\n' > "$ROLE_FILE"
        log "migrating the database"
        flask db upgrade
        flask halo ensure-admin
        smtp="--no-smtp"
        if [ "${HALO_EMBEDDED_SMTP:-0}" = "1" ]; then smtp="--smtp"; fi
        exec flask halo serve --workers "${HALO_WORKERS:-2}" --threads "${HALO_THREADS:-32}" "$smtp" "$@"
        ;;
    worker)
        printf 'worker\n' > "$ROLE_FILE"
        wait_for_schema
        if [ -n "${HALO_WORKER_QUEUES:-}" ]; then
            set -- --queues "$HALO_WORKER_QUEUES" "$@"
        fi
        exec flask halo worker "$@"
        ;;
    smtpd)
        printf 'smtpd\n' > "$ROLE_FILE"
        wait_for_schema
        exec flask halo smtpd "$@"
        ;;
    migrate)
        exec flask db upgrade "$@"
        ;;
    healthcheck)
        exec python "${HALO_HEALTHCHECK:-/usr/local/bin/halo-healthcheck}" "$(cat "$ROLE_FILE" 2>/dev/null || echo serve)"
        ;;
    flask)
        exec flask "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
