#!/usr/bin/env bash
# Stop a HAPI test server started by scripts/hapi/start.sh.
#
#   scripts/hapi/stop.sh [--pid-file PATH | --port N]
#
# With neither, stops every server whose pid file is in the cache (only those that start.sh started).
set -euo pipefail
cache="${HIMKIT_HAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/himkit/hapi}"
files=()
case "${1:-}" in
  --pid-file) files=("$2") ;;
  --port) files=("$cache/hapi-$2.pid") ;;
  "") shopt -s nullglob; files=("$cache"/hapi-*.pid) ;;
  *) echo "stop.sh: unknown argument $1" >&2; exit 64 ;;
esac

for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "stop.sh: no pid file $f" >&2; continue; }
  pid="$(cat "$f")"
  # Only stop a process that is this server (the pid may have been reused since).
  if kill -0 "$pid" 2>/dev/null && grep -q "org.himkit.hapi.HapiServerMain" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "stop.sh: stopped HAPI server pid $pid" >&2
  fi
  rm -f "$f"
done
