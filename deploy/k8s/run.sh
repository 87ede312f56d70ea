#!/usr/bin/env bash
# Runs deploy/k8s/job.yaml against TARGET and merges the shards (docs/scale-out.md):
#   TARGET=http://wirebench-server.bench.svc:8080 deploy/k8s/run.sh
# Settings (environment): TARGET (required), LEAD=120 (seconds from now to --start-at: time for
# every pod to be scheduled and pull the image), OUT=results/k8s-<time>, NAMESPACE (kubectl's).
# Needs kubectl with access to the cluster, and wirebench here (npm install) for the merge.
set -euo pipefail
: "${TARGET:?set TARGET to the server's URL as the pods reach it}"
LEAD=${LEAD:-120}
OUT=${OUT:-results/k8s-$(date -u +%Y%m%dT%H%M%SZ)}
KUBECTL=(kubectl ${NAMESPACE:+--namespace "$NAMESPACE"})
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
"${KUBECTL[@]}" wait --for=condition=complete --timeout=3600s job/wirebench-shards ||
  echo "wirebench: the Job did not complete; merging what the pods wrote" >&2
files=()
for i in $(seq 0 $((SHARDS - 1))); do
  pod=$("${KUBECTL[@]}" get pods -l "batch.kubernetes.io/job-completion-index=$i,job-name=wirebench-shards" -o name | head -n1)
  "${KUBECTL[@]}" logs "$pod" >"$OUT/shard-$((i + 1)).json"
  files+=("$OUT/shard-$((i + 1)).json")
done
$WIREBENCH merge "${files[@]}" -o "$OUT/results.json"
$WIREBENCH report "$OUT/results.json"
