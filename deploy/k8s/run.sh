#!/usr/bin/env bash
# Runs deploy/k8s/job.yaml against TARGET and merges the shards (docs/scale-out.md):
#   TARGET=http://wirebench-server.bench.svc:8080 deploy/k8s/run.sh
# Settings (environment): TARGET (required), LEAD=120 (seconds from now to --start-at: time for
# every pod to be scheduled and pull the image), OUT=results/k8s-<time>, NAMESPACE (kubectl's),
# WAIT_S=3600 (the longest wait for the Job: its activeDeadlineSeconds), KUBECTL=kubectl.
# Needs kubectl with access to the cluster, and wirebench here (npm install) for the merge.
set -euo pipefail
: "${TARGET:?set TARGET to the URL at which the pods reach the server}"
LEAD=${LEAD:-120}
OUT=${OUT:-results/k8s-$(date -u +%Y%m%dT%H%M%SZ)}
KUBECTL=(${KUBECTL:-kubectl} ${NAMESPACE:+--namespace "$NAMESPACE"})
# How long to wait for the Job (its activeDeadlineSeconds), and how often to look.
WAIT_S=${WAIT_S:-3600}
POLL_S=${POLL_S:-5}
WIREBENCH=${WIREBENCH:-npx wirebench}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"

START_AT=$(date -u -d "+$LEAD seconds" +%Y-%m-%dT%H:%M:%SZ)
sed -e "s|__TARGET__|$TARGET|" -e "s|__START_AT__|$START_AT|" "$HERE/job.yaml" >"$OUT/job.yaml"
SHARDS=$(grep -m1 '^  completions:' "$OUT/job.yaml" | awk '{print $2}')
echo "wirebench: $SHARDS shards against $TARGET, --start-at $START_AT; results in $OUT" >&2
"${KUBECTL[@]}" delete job wirebench-shards --ignore-not-found
"${KUBECTL[@]}" apply -f "$OUT/job.yaml"
# The Job ends when every pod has (activeDeadlineSeconds bounds it); a failed pod still has a file.
# Not `kubectl wait --for=condition=complete`: a Job with a failed pod never completes, and that
# wait would sit out its whole timeout. Either end is waited for, as long as the Job may run.
ended=""
for _ in $(seq 1 $((WAIT_S / POLL_S))); do
  ended=$("${KUBECTL[@]}" get job wirebench-shards -o jsonpath='{.status.conditions[?(@.status=="True")].type}' || true)
  [[ $ended == *Complete* || $ended == *Failed* ]] && break
  sleep "$POLL_S"
done
[[ $ended == *Complete* ]] || echo "wirebench: the Job did not complete (${ended:-still running}); merging what the pods wrote" >&2
files=()
for i in $(seq 0 $((SHARDS - 1))); do
  pod=$("${KUBECTL[@]}" get pods -l "batch.kubernetes.io/job-completion-index=$i,job-name=wirebench-shards" -o name | head -n1)
  # A pod never scheduled has no document: merge then names the missing shard.
  [[ -n $pod ]] || { echo "wirebench: no pod for shard $((i + 1))" >&2; continue; }
  "${KUBECTL[@]}" logs "$pod" >"$OUT/shard-$((i + 1)).json"
  files+=("$OUT/shard-$((i + 1)).json")
done
$WIREBENCH merge "${files[@]}" -o "$OUT/results.json"
$WIREBENCH report "$OUT/results.json"
