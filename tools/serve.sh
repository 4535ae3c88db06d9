#!/usr/bin/env bash
# Serve the app with gunicorn (tools/gunicorn.conf.py: 2 × cores workers, one thread each), the
# import worker as a process of its own, and, in development, the ЕСИА development identity
# provider beside them.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
IDP_PORT=${IDP_PORT:-8001}
HERE=$(cd "$(dirname "$0")" && pwd)
# Gunicorn's control socket, one per instance: a shared one is removed by whichever stops first.
CONTROL_SOCKET=${CONTROL_SOCKET:-instance/gunicorn-$PORT.ctl}
mkdir -p "$(dirname "$CONTROL_SOCKET")"
trap 'kill 0' EXIT

if [ "${KRUZHOK_ENV:-production}" = development ]; then
  export ESIA_BASE_URL=${ESIA_BASE_URL:-http://127.0.0.1:$IDP_PORT}
  export ESIA_ISSUER=${ESIA_ISSUER:-http://127.0.0.1:$IDP_PORT/}
  export ESIA_REDIRECT_URI=${ESIA_REDIRECT_URI:-http://127.0.0.1:$PORT/esia/return}
  export DEVIDP_REDIRECT_URIS=${DEVIDP_REDIRECT_URIS:-$ESIA_REDIRECT_URI}
  "$BIN/python" -m devidp --port "$IDP_PORT" &
  echo "Тестовый вход через Госуслуги (ЕСИА): http://127.0.0.1:$IDP_PORT/switches"
fi

# Imports run in their own process, never on a web worker's CPU; restarted if it stops.
export IMPORT_WORKER=process
( while true; do "$BIN/flask" --app app imports worker || true; sleep 1; done ) &

echo "Кружок: http://127.0.0.1:$PORT"
# The access log leaves out query strings: ЕСИА codes and reset-link tokens travel there.
"$BIN/gunicorn" --config "$HERE/gunicorn.conf.py" --bind "127.0.0.1:$PORT" --control-socket "$CONTROL_SOCKET" \
  --access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss' \
  'app:create_app()'
