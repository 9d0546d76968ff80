#!/usr/bin/env bash
# make run: the product on its embedded defaults (SQLite, in-memory channel layer, a Celery broker on SQLite,
# the simulator as WhatsApp Web), all processes under supervisord. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m scripts.run_demo "$@"
