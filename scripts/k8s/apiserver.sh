#!/usr/bin/env bash
# Local etcd + kube-apiserver (no nodes, no controllers) with the shared CRDs, for server-side dry-run validation.
# Usage: scripts/k8s/apiserver.sh up|down|status|env      then: eval "$(scripts/k8s/apiserver.sh env)"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MEDLIVES_CACHE:-$HOME/.cache/medlives}
bin=$cache/bin dir=$cache/k8s
ETCD_PORT=${MEDLIVES_ETCD_PORT:-23790} API_PORT=${MEDLIVES_API_PORT:-16443}
export KUBECONFIG=$dir/kubeconfig

running() { # running NAME: pid file points at a live process of that name
  local pid; pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
  [[ $(ps -o comm= -p "$pid" 2>/dev/null) == "$1" ]]
}
start() { # start NAME ARGS...: detached, logs to $dir/NAME.log
  setsid "$bin/$1" "${@:2}" >"$dir/$1.log" 2>&1 < /dev/null &
  echo $! > "$dir/$1.pid"
}
wait_for() { # wait_for NAME SECONDS CMD...
  local name=$1 t=$2; shift 2
  for ((i = 0; i < t * 2; i++)); do
    "$@" >/dev/null 2>&1 && return
    running "$name" || { echo "$name exited; last log lines:" >&2; tail -n 20 "$dir/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "$name not ready after ${t}s, see $dir/$name.log" >&2; exit 1
}
stop() {
  local pid; running "$1" && pid=$(cat "$dir/$1.pid") && kill "$pid" && while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  rm -f "$dir/$1.pid"
}

secrets() { # once: service-account signing key and an admin token
  mkdir -p "$dir/pki"; chmod 700 "$dir"
  [[ -f $dir/pki/sa.key ]] || openssl genrsa -out "$dir/pki/sa.key" 2048 2>/dev/null
  [[ -f $dir/pki/tokens.csv ]] || echo "$(openssl rand -hex 24),admin,admin,system:masters" > "$dir/pki/tokens.csv"
  cat > "$KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: medlives-local, cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$dir/pki/apiserver.crt"}}]
users: [{name: admin, user: {token: "$(cut -d, -f1 "$dir/pki/tokens.csv")"}}]
contexts: [{name: medlives-local, context: {cluster: medlives-local, user: admin}}]
current-context: medlives-local
EOF
}

up() {
  local shared=${MEDLIVES_SHARED:-$(git -C "$here" rev-parse --show-toplevel)/../shared}
  "$here/tools.sh" etcd kube-apiserver kubectl
  mkdir -p "$dir"; secrets
  if ! running etcd; then
    start etcd --name medlives --data-dir "$dir/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" \
      --initial-cluster "medlives=http://127.0.0.1:$((ETCD_PORT + 10))"
  fi
  wait_for etcd 30 curl -fs "http://127.0.0.1:$ETCD_PORT/health"
  if ! running kube-apiserver; then
    # --cert-dir: the apiserver self-signs a localhost CA + serving cert (the CA is in apiserver.crt).
    # ServiceAccount admission is off: no controller creates the "default" ServiceAccount, and pods that
    # reference a missing SA would otherwise fail dry-run. Namespaces must still exist (NamespaceLifecycle).
    # The "kubernetes" Service endpoint reconciler rejects a loopback advertise address, so it is off.
    start kube-apiserver --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
      --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --endpoint-reconciler-type none --secure-port "$API_PORT" --cert-dir "$dir/pki" \
      --token-auth-file "$dir/pki/tokens.csv" --authorization-mode RBAC \
      --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/pki/sa.key" \
      --service-account-signing-key-file "$dir/pki/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
      --disable-admission-plugins ServiceAccount
  fi
  wait_for kube-apiserver 90 "$bin/kubectl" get --raw /readyz
  # Strimzi's Kafka CRD exceeds the 256 KiB last-applied annotation: server-side apply only.
  "$bin/kubectl" apply --server-side --force-conflicts -R -f "$shared/crds" | sed 's/^/  /'
  # A CRD applied a moment ago may have no status.conditions yet, and `kubectl wait` then fails at
  # once (".status.conditions accessor error") instead of waiting: retry until all are Established.
  wait_for kube-apiserver 60 "$bin/kubectl" wait --for condition=Established --timeout 2s crd --all
  echo "kube-apiserver ready on https://127.0.0.1:$API_PORT; $("$bin/kubectl" get crd --no-headers | wc -l) CRDs established"
  echo "  eval \"\$($0 env)\""
}

down() { stop kube-apiserver; stop etcd; rm -rf "$dir/etcd"; echo "stopped (etcd data wiped)"; }

status() {
  local rc=0 n
  for n in etcd kube-apiserver; do
    if running "$n"; then echo "$n: running (pid $(cat "$dir/$n.pid"))"; else echo "$n: stopped"; rc=1; fi
  done
  ((rc == 0)) && echo "readyz: $("$bin/kubectl" get --raw /readyz 2>&1)"
  return $rc
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  env) echo "export KUBECONFIG=$KUBECONFIG PATH=$bin:\$PATH" ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
