#!/usr/bin/env bash
# CLI latency: the wall time of `status --json` against a running `dev`, the plain jar ("before")
# against the launcher with its class-data-sharing archive ("after"). A program that prints
# numbers, not a test. Build first: ./mvnw -q -B package -DskipTests
#
#   worker/bench/cli-latency.sh            20 calls each
#   RUNS=50 worker/bench/cli-latency.sh
#
# It starts `dev` on a free port with config/demo.yaml, starts one upgrade (v1.31.2), makes one
# untimed call of each kind (so both find the jar in the page cache), then RUNS calls of each,
# alternating, and prints median, min and max wall time and the median CPU time; `dev` is stopped
# on exit, whatever happens. The machine's load is printed before dev starts and at the end: other
# builds on the same cores slow every call's wall time (its CPU time less so).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
jar=$repo/worker/target/fleet-upgrade.jar
launcher=$repo/worker/target/fleet-upgrade
runs=${RUNS:-20}
if [ -n "${JAVA:-}" ]; then java=$JAVA; elif [ -n "${JAVA_HOME:-}" ]; then java=$JAVA_HOME/bin/java; else java=java; fi

if [ -z "${EPOCHREALTIME:-}" ]; then
  echo "cli-latency: needs bash 5 or later (EPOCHREALTIME)" >&2
  exit 2
fi
if [ ! -f "$jar" ] || [ ! -x "$launcher" ]; then
  echo "cli-latency: no $jar or $launcher: build first (./mvnw -q -B package -DskipTests)" >&2
  exit 2
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
work=$(mktemp -d)
dev_pid=
stop_dev() {
  if [ -n "$dev_pid" ] && kill -0 "$dev_pid" 2>/dev/null; then
    kill -TERM "$dev_pid" 2>/dev/null || true
    wait "$dev_pid" 2>/dev/null || true
  fi
  dev_pid=
}
trap 'stop_dev; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# dev on a free port: a port nothing listens on, and if dev still finds it taken, another.
address=
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  : >"$work/dev.out"
  "$java" -jar "$jar" dev --port "$port" --config "$repo/config/demo.yaml" >"$work/dev.out" 2>&1 &
  dev_pid=$!
  deadline=$(( $(now_ms) + 90000 ))
  while kill -0 "$dev_pid" 2>/dev/null && ! grep -q '^fleet-upgrade dev:' "$work/dev.out"; do
    if [ "$(now_ms)" -gt "$deadline" ]; then
      echo "cli-latency: dev not ready within 90 s:" >&2; cat "$work/dev.out" >&2; exit 1
    fi
    sleep 0.1
  done
  if grep -q '^fleet-upgrade dev:' "$work/dev.out"; then address=localhost:$port; break; fi
  wait "$dev_pid" 2>/dev/null || true
  dev_pid=
  grep -q 'is in use' "$work/dev.out" || { echo "cli-latency: dev failed:" >&2; cat "$work/dev.out" >&2; exit 1; }
done
[ -n "$address" ] || { echo "cli-latency: no free port for dev" >&2; exit 1; }

"$java" -jar "$jar" start --config "$repo/config/demo.yaml" --kubernetes v1.31.2 --address "$address" >"$work/start.out" 2>&1 \
  || { echo "cli-latency: start failed:" >&2; cat "$work/start.out" >&2; exit 1; }

# CPU time (user + system) of the finished children of this shell so far, in ms; 0 without /proc.
tick_ms=$((1000 / $(getconf CLK_TCK 2>/dev/null || echo 100)))
cpu_ms() { if [ -r "/proc/$$/stat" ]; then awk -v t="$tick_ms" '{ print ($16 + $17) * t }' "/proc/$$/stat"; else echo 0; fi; }

# One call: "WALL CPU" in ms on stdout; a failed call or one that prints no JSON ends the run.
timed() {
  local start end cpu_start cpu_end
  cpu_start=$(cpu_ms)
  start=$(now_ms)
  if ! "$@" status v1.31.2 --json --address "$address" >"$work/call.out" 2>"$work/call.err"; then
    echo "cli-latency: failed: $* status v1.31.2 --json" >&2; cat "$work/call.err" >&2; exit 1
  fi
  end=$(now_ms)
  cpu_end=$(cpu_ms)
  [ "$(head -c 1 "$work/call.out")" = "{" ] || { echo "cli-latency: not JSON from $*:" >&2; cat "$work/call.out" >&2; exit 1; }
  echo "$((end - start)) $((cpu_end - cpu_start))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

summary() { # a file of "WALL CPU" lines -> "median X s   min Y   max Z   (CPU median C s)"
  awk -v wall="$(cut -d' ' -f1 "$1" | median)" -v cpu="$(cut -d' ' -f2 "$1" | median)" \
    -v min="$(cut -d' ' -f1 "$1" | sort -n | head -1)" -v max="$(cut -d' ' -f1 "$1" | sort -n | tail -1)" \
    'BEGIN { printf "median %.2f s   min %.2f   max %.2f   (CPU median %.2f s)\n", wall / 1000, min / 1000, max / 1000, cpu / 1000 }'
}

timed "$java" -jar "$jar" >/dev/null
timed "$launcher" >/dev/null
: >"$work/before"
: >"$work/after"
for _ in $(seq "$runs"); do
  timed "$java" -jar "$jar" >>"$work/before"
  timed "$launcher" >>"$work/after"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

archive="no archive"
if [ -f "${jar%.jar}.jsa" ]; then
  archive="the archive ($(du -m "${jar%.jar}.jsa" | cut -f1) MB)"
fi
echo "status --json against dev ($address, one upgrade running), $runs calls each, alternating"
echo "$(nproc 2>/dev/null || echo '?') cores, load average $load_before before dev started, $load_after at the end (the calls add"
echo "about 1.5 of it); $("$java" -version 2>&1 | head -1)"
printf '  before  java -jar fleet-upgrade.jar   %s\n' "$(summary "$work/before")"
printf '  after   fleet-upgrade (launcher)      %s\n' "$(summary "$work/after")"
echo "  wall: the time an operator waits; CPU: user + system time of the call's JVM, what other"
echo "  processes on the same cores slow down much less. The launcher ran with $archive."
