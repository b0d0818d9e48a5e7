#!/usr/bin/env bash
# Start PostgreSQL and Redis when they are installed but not running; say so when absent.
set -u
if command -v pg_isready >/dev/null; then
  pg_isready -q -h 127.0.0.1 -p 5432 || {
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start \
      || echo "warning: could not start PostgreSQL"; }
fi
if command -v redis-server >/dev/null; then
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 \
    --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/iqs-redis.log \
    || echo "warning: could not start Redis"
fi
exit 0
