# Sourced by .ci/run: a throw-away PostgreSQL cluster and Redis server on loopback.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user.

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
CI_PG_PORT="${CI_PG_PORT:-54329}"
CI_REDIS_PORT="${CI_REDIS_PORT:-63799}"

as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_ci_services() {
    CI_SERVICE_DIR="$(mktemp -d /tmp/ltc-ci.XXXXXX)"
    chmod 755 "$CI_SERVICE_DIR"
    mkdir -p "$CI_SERVICE_DIR/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$CI_SERVICE_DIR/pg"
    as_pg_owner "$PG_BIN/initdb" -D "$CI_SERVICE_DIR/pg/data" -U ltc --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg_owner "$PG_BIN/pg_ctl" -D "$CI_SERVICE_DIR/pg/data" -l "$CI_SERVICE_DIR/pg/log" -w \
        -o "-p $CI_PG_PORT -k $CI_SERVICE_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    redis-server --port "$CI_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$CI_SERVICE_DIR/redis.pid" --logfile "$CI_SERVICE_DIR/redis.log"
    for _ in $(seq 50); do
        redis-cli -p "$CI_REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    export CI_DATABASE_URL="postgres://ltc@127.0.0.1:$CI_PG_PORT/postgres"
    export CI_REDIS_URL="redis://127.0.0.1:$CI_REDIS_PORT/0"
    echo "postgres: $CI_DATABASE_URL  redis: $CI_REDIS_URL"
}

stop_ci_services() {
    [ -n "${CI_SERVICE_DIR:-}" ] || return 0
    as_pg_owner "$PG_BIN/pg_ctl" -D "$CI_SERVICE_DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true
    [ -f "$CI_SERVICE_DIR/redis.pid" ] && kill "$(cat "$CI_SERVICE_DIR/redis.pid")" 2>/dev/null || true
    rm -rf "$CI_SERVICE_DIR"
}
