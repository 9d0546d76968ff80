#!/bin/sh
# Usage: with-env.sh ENV_FILE COMMAND...: exports every KEY=value of ENV_FILE, then runs COMMAND.
# supervisord has no env-file option; every program of deploy/supervisord.conf goes through this.
set -eu
env_file=$1
shift
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
exec "$@"
