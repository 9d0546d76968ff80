#!/usr/bin/env bash
# Starts PostgreSQL and Redis on loopback for the tests and benchmarks, if they are not running, and creates
# the role and database the tests use. Idempotent.
set -euo pipefail
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

PG_ROLE=${PG_ROLE:-whatsapp}
PG_PASSWORD=${PG_PASSWORD:-whatsapp}
PG_DB=${PG_DB:-whatsapp}
REDIS_PORT=${REDIS_PORT:-6379}

pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$pg_version *main"; then
  step "Creating PostgreSQL $pg_version cluster 'main'"
  pg_createcluster "$pg_version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$pg_version *main .*online"; then
  step "Starting PostgreSQL $pg_version (pg_ctlcluster $pg_version main start)"
  pg_ctlcluster "$pg_version" main start
else
  step "PostgreSQL $pg_version is running"
fi
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 && break; sleep 0.2; done
pg_isready -h 127.0.0.1 >/dev/null || { echo "services: PostgreSQL does not answer on 127.0.0.1" >&2; exit 1; }

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -h /var/run/postgresql $*"; }
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname='$PG_ROLE'\"")" != 1 ]; then
  step "Creating PostgreSQL role $PG_ROLE (CREATEDB, for the test databases)"
  psql_admin "-c \"CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\"")" != 1 ]; then
  step "Creating database $PG_DB"
  psql_admin "-c \"CREATE DATABASE $PG_DB OWNER $PG_ROLE\""
fi

if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  step "Redis is running on 127.0.0.1:$REDIS_PORT"
else
  step "Starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p /tmp/whatsapp-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp/whatsapp-redis --logfile /tmp/whatsapp-redis/redis.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null
fi
