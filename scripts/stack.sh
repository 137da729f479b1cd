#!/usr/bin/env bash
# `make stack`: the docker-compose stack as local processes — gunicorn, a Celery worker and beat
# (the Procfile's lines) — against local PostgreSQL and Redis, with production settings (DEBUG off).
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${STACK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hrtech_gov}"
export REDIS_URL="${STACK_REDIS_URL:-redis://127.0.0.1:6379/0}"
export DEBUG=false
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT:-8000}}"
# Plain HTTP on loopback: no TLS redirect or secure-only cookies here (docker-compose.yml's note).
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
# A key of this stack's own, kept between runs so sessions survive a restart.
if [ -z "${STACK_SECRET_KEY:-}" ]; then
    [ -s .venv/stack-secret-key ] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .venv/stack-secret-key
    STACK_SECRET_KEY=$(cat .venv/stack-secret-key)
fi
export SECRET_KEY="$STACK_SECRET_KEY"
# The audit chain's key, likewise kept: events signed with it must verify after a restart.
[ -s .venv/stack-audit-key ] || .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))' > .venv/stack-audit-key
export AUDIT_HMAC_KEY="${STACK_AUDIT_HMAC_KEY:-$(cat .venv/stack-audit-key)}"

db=$(.venv/bin/python -c 'import sys, urllib.parse as u; print(u.urlparse(sys.argv[1]).path.lstrip("/"))' "$DATABASE_URL")
if ! psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql "${DATABASE_URL%/*}/postgres" -c "CREATE DATABASE \"$db\"" >/dev/null
fi
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v0
[ "${STACK_SEED:-1}" = 1 ] && .venv/bin/python manage.py seed_demo

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop INT TERM EXIT
while IFS=: read -r name cmd; do
    [ -n "$name" ] || continue
    echo "starting $name: $cmd"
    # exec, so that $! is the process itself and a signal reaches it.
    bash -c "exec $cmd" &
    pids+=($!)
done < Procfile
echo "web on http://${HOST:-127.0.0.1}:${PORT:-8000}/ (worker and beat on $REDIS_URL); Ctrl-C stops"
wait -n
