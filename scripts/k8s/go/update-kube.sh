#!/usr/bin/env bash
# Regenerates go/kube/go.mod for another Kubernetes release: ./update-kube.sh v1.37.1 [etcd-version]
# k8s.io/kubernetes requires its staging modules as v0.0.0 with ./staging replaces, so we pin each to v0.<minor>.<patch>.
set -euo pipefail
k8s=${1:?usage: $0 v1.MINOR.PATCH [etcd v3.x.y]}; etcd=${2:-}
cd "$(dirname "$0")/kube"
staging=v0.${k8s#v1.}
mod=$(go mod download -json "k8s.io/kubernetes@$k8s" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
{
  printf 'module medlives.local/k8stools/kube\n\ngo 1.26.0\n\n'
  printf 'tool (\n\tk8s.io/kubernetes/cmd/kube-apiserver\n\tk8s.io/kubernetes/cmd/kubectl\n\tgo.etcd.io/etcd/server/v3\n)\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$k8s"
  grep -E '^\s+k8s\.io/\S+ v0\.0\.0$' "$mod" | awk -v v="$staging" '{printf "\t%s => %s %s\n", $1, $1, v}'
  printf ')\n'
} > go.mod
rm -f go.sum
[[ -n $etcd ]] && go get "go.etcd.io/etcd/server/v3@$etcd"
go mod tidy
