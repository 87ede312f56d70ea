#!/usr/bin/env bash
# The commands each pod of deploy/k8s/job.yaml runs, as N local shards on this machine against one
# `wirebench serve` (docs/scale-out.md): every shard connects from its own loopback address
# (127.0.0.2, 127.0.0.3, …) so the shards look like separate hosts to the server, and all of
# them start the same fixed step schedule at one --start-at. Then the shards' files are merged
# and the merged report is rendered. Loopback only; bounded in time (every command has a timeout).
#
# Settings (environment, with defaults):
#   SHARDS=4            shards (local processes; pods in Kubernetes)
#   CLIENTS=4000        clients per shard per step (the run's step is SHARDS × CLIENTS)
#   TRANSPORTS=ws,sse   transports, one step each
#   RATE=1              feed messages per second
#   DURATION=10s        measured window; WARMUP=2s before it
#   CONNECT_RATE=250    connects per second of the whole run (shared by the shards): what one
#                       server on this 2-core machine keeps while it also feeds the clients already
#                       connected (docs/scale-out.md); the schedule's connect budget follows from it
#   WORKERS=1           load worker processes per shard (4 shards × 1 + the server: 5 busy processes
#                       on 2 cores; 2 per shard starved the server of CPU)
#   LEAD=20             seconds from now to --start-at (time for every shard to start)
#   PORT=18080          the server's port on 127.0.0.1
#   OUT=results/shards-<time>   where everything goes
#   WIREBENCH="node dist/scripts/cli.js"   the command (npm run build first)
set -euo pipefail
SHARDS=${SHARDS:-4}
CLIENTS=${CLIENTS:-4000}
TRANSPORTS=${TRANSPORTS:-ws,sse}
RATE=${RATE:-1}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECT_RATE=${CONNECT_RATE:-250}
WORKERS=${WORKERS:-1}
LEAD=${LEAD:-20}
PORT=${PORT:-18080}
OUT=${OUT:-results/shards-$(date -u +%Y%m%dT%H%M%SZ)}
WIREBENCH=${WIREBENCH:-node dist/scripts/cli.js}
# Longest any shard may run: the schedule is bounded, this only guards against a hang.
BOUND=${BOUND:-900}
# The server's listen backlog: bursts of connects from every shard at once (docs/scale-out.md).
BACKLOG=${BACKLOG:-4096}

mkdir -p "$OUT"
TARGET="http://127.0.0.1:$PORT"
# --expose-gc: /stats?gc=1 collects before it measures, so the run gets the server's memory per connection.
NODE_OPTIONS="--expose-gc ${NODE_OPTIONS:-}" $WIREBENCH serve --port "$PORT" --rate "$RATE" --transport "$TRANSPORTS" --backlog "$BACKLOG" >"$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  node -e "fetch('$TARGET/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  sleep 0.2
done

# Handshakes the kernel dropped because a listen queue was full (Linux, all sockets of the host):
# a connect rate above what the server accepts shows here first (docs/scale-out.md).
listen_overflows() { awk '/^TcpExt:/ { if (!seen) { for (i = 2; i <= NF; i++) if ($i == "ListenOverflows") col = i; seen = 1; next } print $col + 0 }' /proc/net/netstat 2>/dev/null || echo 0; }
OVERFLOWS_BEFORE=$(listen_overflows)

START_AT=$(date -u -d "+$LEAD seconds" +%Y-%m-%dT%H:%M:%SZ)
echo "server $TARGET (pid $SERVER); $SHARDS shards × $CLIENTS clients; --start-at $START_AT; results in $OUT" >&2
pids=()
for i in $(seq 1 "$SHARDS"); do
  timeout "$BOUND" $WIREBENCH bench --target "$TARGET" --transports "$TRANSPORTS" --clients $((SHARDS * CLIENTS)) \
    --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --connect-rate "$CONNECT_RATE" --workers "$WORKERS" \
    --shard "$i/$SHARDS" --start-at "$START_AT" --source-addresses "127.0.0.$((i + 1))" \
    --out "$OUT/shard-$i" --no-report >"$OUT/shard-$i.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "shard $((i + 1)) exited $?" >&2; status=1; }
done
echo "listen queue overflows during the run (kernel, whole host): $(( $(listen_overflows) - OVERFLOWS_BEFORE ))" >&2
files=()
for i in $(seq 1 "$SHARDS"); do files+=("$OUT/shard-$i/results.json"); done
$WIREBENCH merge "${files[@]}" -o "$OUT/results.json" || status=1
$WIREBENCH report "$OUT/results.json" >&2 || status=1
$WIREBENCH report "$OUT/results.json" --format md >"$OUT/report.md" || status=1
exit $status
