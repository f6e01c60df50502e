#!/usr/bin/env bash
# The KEDA operator (scripts/k8s/tools.sh keda-operator), out of cluster, against the local
# kube-apiserver of apiserver.sh: the real scaling loop without a cluster.
# Usage: scripts/k8s/keda.sh up|down|status     (up reuses a running operator watching the same namespaces)
# MEDLIVES_KEDA_WATCH_NAMESPACE: comma-separated namespaces to watch (default: all). Tests name their
# own, so KEDA leaves alone the ScaledObjects other suites apply with hand-written status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MEDLIVES_CACHE:-$HOME/.cache/medlives}
bin=$cache/bin dir=$cache/k8s
export KUBECONFIG=$dir/kubeconfig
WATCH=${MEDLIVES_KEDA_WATCH_NAMESPACE:-}
METRICS_PORT=${MEDLIVES_KEDA_METRICS_PORT:-18080} PROBE_PORT=${MEDLIVES_KEDA_PROBE_PORT:-18081} GRPC_PORT=${MEDLIVES_KEDA_GRPC_PORT:-19666}

running() { local pid; pid=$(cat "$dir/keda-operator.pid" 2>/dev/null) || return 1; [[ $(ps -o comm= -p "$pid" 2>/dev/null) == keda-operator ]]; }

certs() { # the operator's gRPC metrics service insists on a serving cert + CA in --cert-dir
  local d=$dir/keda-certs
  [[ -s $d/tls.crt ]] && return
  mkdir -p "$d" && chmod 700 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=keda-operator -keyout "$d/tls.key" -out "$d/tls.crt" \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
  cp "$d/tls.crt" "$d/ca.crt"
}

up() {
  "$here/tools.sh" keda-operator >/dev/null
  # Every KEDA CRD established (../shared/crds/keda-*); the lock test/k8s/local-apiserver.ts takes too,
  # so concurrent suites never start etcd twice.
  mkdir -p "$dir" && flock -o "$dir/up.lock" "$here/apiserver.sh" up >/dev/null
  if running && [[ $(cat "$dir/keda-operator.watch" 2>/dev/null) == "$WATCH" ]]; then
    echo "keda-operator: reused (pid $(cat "$dir/keda-operator.pid"), watching ${WATCH:-all namespaces})"; return
  fi
  running && down >/dev/null
  certs
  "$bin/kubectl" create namespace keda --dry-run=client -o yaml | "$bin/kubectl" apply --server-side -f - >/dev/null
  # WATCH_NAMESPACE="" watches all namespaces; POD_NAMESPACE / KEDA_CLUSTER_OBJECT_NAMESPACE stand in
  # for the service-account namespace file a pod would have.
  echo "$WATCH" >"$dir/keda-operator.watch"
  WATCH_NAMESPACE="$WATCH" POD_NAMESPACE=keda KEDA_CLUSTER_OBJECT_NAMESPACE=keda setsid "$bin/keda-operator" \
    --kubeconfig "$KUBECONFIG" --cert-dir "$dir/keda-certs" --ca-dir "$dir/keda-certs" \
    --metrics-bind-address "127.0.0.1:$METRICS_PORT" --health-probe-bind-address "127.0.0.1:$PROBE_PORT" \
    --metrics-service-bind-address "127.0.0.1:$GRPC_PORT" >"$dir/keda-operator.log" 2>&1 </dev/null &
  echo $! >"$dir/keda-operator.pid"
  for ((i = 0; i < 120; i++)); do
    curl -fs "http://127.0.0.1:$PROBE_PORT/readyz" >/dev/null 2>&1 && { echo "keda-operator: started (pid $(cat "$dir/keda-operator.pid"), metrics http://127.0.0.1:$METRICS_PORT/metrics)"; return; }
    running || { echo "keda-operator exited; last log lines:" >&2; tail -n 20 "$dir/keda-operator.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "keda-operator not ready after 60s, see $dir/keda-operator.log" >&2; exit 1
}

down() {
  local pid
  if running; then pid=$(cat "$dir/keda-operator.pid"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; fi
  rm -f "$dir/keda-operator.pid"; echo "keda-operator: stopped"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) if running; then echo "keda-operator: running (pid $(cat "$dir/keda-operator.pid"))"; else echo "keda-operator: stopped"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
