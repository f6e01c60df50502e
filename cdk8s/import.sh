#!/usr/bin/env bash
# Regenerates cdk8s/imports/ (committed) from the CRDs in ../shared/crds and the Kubernetes API,
# without internet: `cdk8s import` takes one CRD file per call, and the Kubernetes schema comes
# from the k8s.io/kubernetes Go module (the same version scripts/k8s builds kube-apiserver from).
# Usage: cdk8s/import.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
crds=${MEDLIVES_SHARED:-$root/../shared}/crds
k8s=$(sed -n 's/^require k8s.io\/kubernetes \(v[^ ]*\).*/\1/p' "$root/scripts/k8s/go/kube/go.mod")
# cdk8s_import SPEC [NODE_OPTION...]
cdk8s_import() { (cd "$here" && node "${@:2}" "$root/node_modules/cdk8s-cli/bin/cdk8s" import "$1" -l typescript -o imports --no-save --no-check-upgrade); }

rm -rf "$here/imports"
for spec in \
  kafka:="$crds/strimzi-1.2.0/040-Crd-kafka.yaml" \
  topic:="$crds/strimzi-1.2.0/043-Crd-kafkatopic.yaml" \
  user:="$crds/strimzi-1.2.0/044-Crd-kafkauser.yaml" \
  nodepool:="$crds/strimzi-1.2.0/045-Crd-kafkanodepool.yaml" \
  scaledobject:="$crds/keda-2.20.2/keda.sh_scaledobjects.yaml" \
  triggerauth:="$crds/keda-2.20.2/keda.sh_triggerauthentications.yaml" \
  podmonitor:="$crds/prometheus-operator-v0.93.0/monitoring.coreos.com_podmonitors.yaml" \
  rule:="$crds/prometheus-operator-v0.93.0/monitoring.coreos.com_prometheusrules.yaml"; do
  cdk8s_import "$spec"
done

# `go mod download` fetches the module from the Go proxy once; afterwards it is read from the cache.
swagger=$(cd "$root/scripts/k8s/go/kube" && go mod download -json "k8s.io/kubernetes@$k8s" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')/api/openapi-spec/swagger.json
K8S_SWAGGER=$swagger cdk8s_import "k8s@${k8s#v}" -r "$here/scripts/offline-k8s-schema.cjs"
echo "imports regenerated (Kubernetes ${k8s#v}) in $here/imports"
