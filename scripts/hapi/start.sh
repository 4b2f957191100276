#!/usr/bin/env bash
# Start the HAPI FHIR JPA test server (R4, in-memory H2, bulk $export) on 127.0.0.1 and print its base URL.
#
#   scripts/hapi/start.sh [--port N] [--pid-file PATH] [--log PATH] [--build-only]
#
# The server is built once from Maven Central artifacts into $HIMKIT_HAPI_CACHE (default ~/.cache/himkit/hapi),
# in a folder keyed by the hash of pom.xml and src/, so later runs start without Maven. --port 0 (the default)
# takes a free port. The only line on stdout is the base URL (http://127.0.0.1:PORT/fhir); progress goes to
# stderr. The pid goes to --pid-file (default $CACHE/hapi-PORT.pid); stop with scripts/hapi/stop.sh.
# HIMKIT_HAPI_PARENT_PID: the server stops by itself when that process ends (the test runner passes its pid).
# HIMKIT_HAPI_JAVA_OPTS: JVM options (default: a 640 MB heap, serial GC, C1 JIT only).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${HIMKIT_HAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/himkit/hapi}"
port=0
pid_file=""
log_file=""
build_only=0
startup_timeout="${HIMKIT_HAPI_START_TIMEOUT:-240}"

while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --pid-file) pid_file="$2"; shift 2 ;;
    --log) log_file="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "start.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done

for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "start.sh: $tool is not installed (the HAPI test server needs Java 17+ and Maven)" >&2; exit 69; }
done

# The build is keyed by what is built: the pom and the sources.
key="$(cd "$here" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
build="$cache/build-$key"
mkdir -p "$cache"

if [ ! -f "$build/.built" ]; then
  # One build at a time, even when several test runs start together.
  exec 9>"$cache/build.lock"
  flock 9
  if [ ! -f "$build/.built" ]; then
    echo "start.sh: building the HAPI FHIR test server into $build (first run only; downloads from Maven Central)" >&2
    t0=$(date +%s)
    rm -rf "$build.tmp" && mkdir -p "$build.tmp"
    cp -r "$here/pom.xml" "$here/src" "$build.tmp/"
    if ! (cd "$build.tmp" && mvn -B -q -DskipTests package >"$cache/build-$key.log" 2>&1); then
      echo "start.sh: the Maven build failed; see $cache/build-$key.log" >&2
      tail -20 "$cache/build-$key.log" >&2 || true
      exit 70
    fi
    rm -rf "$build" && mv "$build.tmp" "$build"
    touch "$build/.built"
    echo "start.sh: built in $(( $(date +%s) - t0 ))s" >&2
    # Builds of older versions of this folder, not started for two days, only take space (~300 MB each).
    find "$cache" -mindepth 2 -maxdepth 2 -path "$cache/build-*/.built" ! -path "$build/.built" -mtime +2 2>/dev/null |
      while read -r stale; do rm -rf "$(dirname "$stale")"; done
  fi
  exec 9>&-
fi

touch "$build/.built" # marks the build as in use, for the clean-up above
[ "$build_only" = 1 ] && exit 0

logs="$cache/logs"
mkdir -p "$logs"
[ -n "$log_file" ] || log_file="$logs/hapi-$(date +%Y%m%dT%H%M%S)-$$.log"
# C1 only: starts in about half the time, and a test server never runs long enough to gain from C2.
java_opts="${HIMKIT_HAPI_JAVA_OPTS:--Xmx640m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"

t0=$(date +%s)
# shellcheck disable=SC2086
nohup java $java_opts -cp "$build/target/classes:$build/target/lib/*" org.himkit.hapi.HapiServerMain "$port" \
  >"$log_file" 2>&1 </dev/null &
pid=$!

listening=""
deadline=$(( t0 + startup_timeout ))
while [ -z "$listening" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: the HAPI server exited during start-up; see $log_file" >&2
    grep -E "Exception|Error" "$log_file" | head -5 >&2 || true
    exit 69
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "start.sh: the HAPI server did not listen within ${startup_timeout}s; see $log_file" >&2
    kill "$pid" 2>/dev/null || true
    exit 69
  fi
  listening="$(grep -m1 -o 'HIMKIT_HAPI_LISTENING port=[0-9]*' "$log_file" 2>/dev/null | cut -d= -f2 || true)"
  [ -n "$listening" ] || sleep 1
done

base="http://127.0.0.1:$listening/fhir"
# Listening is not answering: wait until the CapabilityStatement comes back (its first build takes seconds).
until node -e "fetch(process.argv[1]+'/metadata',{headers:{accept:'application/fhir+json'}}).then(r=>r.text().then(()=>process.exit(r.ok?0:1)),()=>process.exit(1))" "$base" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
    echo "start.sh: $base/metadata did not answer; see $log_file" >&2
    kill "$pid" 2>/dev/null || true
    exit 69
  fi
  sleep 1
done

[ -n "$pid_file" ] || pid_file="$cache/hapi-$listening.pid"
echo "$pid" >"$pid_file"
echo "start.sh: HAPI FHIR R4 server up in $(( $(date +%s) - t0 ))s at $base (pid $pid, pid file $pid_file, log $log_file)" >&2
echo "$base"
