#!/usr/bin/env bash
# Makes the services the tests need available on this machine, idempotently:
#   - RabbitMQ: AMQP_URL if set; else whatever answers on 127.0.0.1:5672; else Debian's
#     rabbitmq-server, installed when missing and started detached.
#   - MongoDB-wire server: MONGODB_URL if set; else a testcontainer when a Docker engine answers
#     (test/support/global-setup.ts starts it); else SecantusDB (pinned, a test tool only, GPL: never a
#     runtime dependency) from PyPI in the git-ignored virtualenv .venv-test/, started on a free
#     port with throw-away storage. Its URL is written to .test-services/mongodb.url, which the
#     test setup reads when MONGODB_URL is unset.
#   - schemathesis (pinned) in the same virtualenv, for `npm run test:contract`.
#   - Debian's chromium, for the console's browser tests (test/e2e/console.test.ts).
# Prints what it used and how long each step took. A second run with all up takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

SECANTUSDB_VERSION=0.7.0b3
SCHEMATHESIS_VERSION=4.32.5
# The broker plugins the project uses (none needed beyond the defaults yet).
RABBITMQ_PLUGINS=()

VENV=.venv-test
STATE=.test-services
mkdir -p "$STATE"

now_ms() { date +%s%3N; }
step_start=0
step() { step_start=$(now_ms); printf '[services] %s ... ' "$1"; }
done_step() { printf '%s (%d ms)\n' "$1" $(( $(now_ms) - step_start )); }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- RabbitMQ -------------------------------------------------------------------------------
step "RabbitMQ"
if [ -n "${AMQP_URL:-}" ]; then
  done_step "AMQP_URL is set: using it"
elif port_open 127.0.0.1 5672; then
  done_step "already answering on 127.0.0.1:5672"
else
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    printf 'installing Debian rabbitmq-server ... '
    apt_install rabbitmq-server
  fi
  # The Debian package may start its own service on install; only start one if nothing answers.
  if ! port_open 127.0.0.1 5672; then
    # An unclean earlier stop can leave a stale pid file behind that stops -detached from starting.
    rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
  # `await_startup` returns once the broker accepts connections (and so logins).
  for _ in $(seq 1 90); do
    if rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1 && port_open 127.0.0.1 5672; then break; fi
    sleep 1
  done
  port_open 127.0.0.1 5672 || { echo "RabbitMQ did not come up"; exit 1; }
  done_step "started (rabbitmq-server -detached)"
fi
if [ -z "${AMQP_URL:-}" ] && [ "${#RABBITMQ_PLUGINS[@]}" -gt 0 ] && command -v rabbitmq-plugins >/dev/null 2>&1; then
  step "RabbitMQ plugins"
  rabbitmq-plugins -q enable "${RABBITMQ_PLUGINS[@]}" >/dev/null
  done_step "${RABBITMQ_PLUGINS[*]}"
fi

# --- Python virtualenv with the test tools --------------------------------------------------
venv_ok() {
  [ -x "$VENV/bin/secantusd-py" ] && [ -x "$VENV/bin/schemathesis" ] &&
    [ "$(cat "$VENV/.pins" 2>/dev/null)" = "secantusdb==$SECANTUSDB_VERSION schemathesis==$SCHEMATHESIS_VERSION" ]
}
step "test virtualenv $VENV"
if venv_ok; then
  done_step "present"
else
  python=$(command -v python3 || true)
  [ -n "$python" ] || { echo "python3 is missing"; exit 1; }
  "$python" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; "$python" -m venv "$VENV"; }
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "secantusdb==$SECANTUSDB_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
  echo "secantusdb==$SECANTUSDB_VERSION schemathesis==$SCHEMATHESIS_VERSION" >"$VENV/.pins"
  done_step "installed secantusdb==$SECANTUSDB_VERSION schemathesis==$SCHEMATHESIS_VERSION"
fi

# --- MongoDB-wire server --------------------------------------------------------------------
docker_answers() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

step "MongoDB"
if [ -n "${MONGODB_URL:-}" ]; then
  rm -f "$STATE/mongodb.url"
  done_step "MONGODB_URL is set: using it"
elif docker_answers; then
  rm -f "$STATE/mongodb.url"
  done_step "a Docker engine answers: the tests start mongo:8 with testcontainers"
else
  url=$(cat "$STATE/mongodb.url" 2>/dev/null || true)
  pid=$(cat "$STATE/secantusdb.pid" 2>/dev/null || true)
  port=${url##*:}; port=${port%%/*}
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ -n "$url" ] && port_open 127.0.0.1 "$port"; then
    done_step "SecantusDB already running at $url (pid $pid)"
  else
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # ':memory:' is SecantusDB's throw-away storage: a temp dir removed on shutdown.
    nohup "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path ':memory:' \
      --log-level WARNING --cache-size 512M >"$STATE/secantusdb.log" 2>&1 &
    echo $! >"$STATE/secantusdb.pid"
    for _ in $(seq 1 100); do port_open 127.0.0.1 "$port" && break; sleep 0.2; done
    port_open 127.0.0.1 "$port" || { echo "SecantusDB did not come up:"; tail -20 "$STATE/secantusdb.log"; exit 1; }
    url="mongodb://127.0.0.1:$port/"
    echo "$url" >"$STATE/mongodb.url"
    done_step "SecantusDB $SECANTUSDB_VERSION started at $url (pid $(cat "$STATE/secantusdb.pid"))"
  fi
fi

# --- Chromium, for the console's browser tests (playwright-core drives it; no browser download) --
step "Chromium"
if command -v chromium >/dev/null 2>&1; then
  done_step "present ($(chromium --version 2>/dev/null | head -1))"
else
  apt_install chromium
  done_step "installed Debian chromium"
fi
