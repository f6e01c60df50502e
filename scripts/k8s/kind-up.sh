#!/usr/bin/env bash
# kind cluster from kind-config.yaml plus a local image registry on localhost:5001 (the kind
# "local registry" recipe). Tilt finds the registry through kube-public/local-registry-hosting and
# pushes only changed layers there. Idempotent: reuses a running registry and an existing cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
REG_NAME=${MEDLIVES_REGISTRY_NAME:-kind-registry} REG_PORT=${MEDLIVES_REGISTRY_PORT:-5001}
cluster=$(sed -n 's/^name: *//p' "$root/kind-config.yaml")

if [[ $(docker inspect -f '{{.State.Running}}' "$REG_NAME" 2>/dev/null || true) != true ]]; then
  docker run -d --restart=always -p "127.0.0.1:$REG_PORT:5000" --network bridge --name "$REG_NAME" registry:2
fi
kind get clusters | grep -qx "$cluster" || kind create cluster --config "$root/kind-config.yaml"

# Nodes resolve localhost:5001 to the registry container on the kind network.
for node in $(kind get nodes --name "$cluster"); do
  docker exec "$node" mkdir -p "/etc/containerd/certs.d/localhost:$REG_PORT"
  printf '[host."http://%s:5000"]\n' "$REG_NAME" | docker exec -i "$node" cp /dev/stdin "/etc/containerd/certs.d/localhost:$REG_PORT/hosts.toml"
done
[[ $(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$REG_NAME") != null ]] || docker network connect kind "$REG_NAME"

kubectl --context "kind-$cluster" apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:$REG_PORT"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
YAML
echo "kind-$cluster ready; images push to localhost:$REG_PORT"
