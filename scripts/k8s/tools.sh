#!/usr/bin/env bash
# Builds the local Kubernetes toolchain into ${MEDLIVES_CACHE:-~/.cache/medlives}/bin, only what is missing
# or was built from other pins. Usage: scripts/k8s/tools.sh [tool...]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${MEDLIVES_CACHE:-$HOME/.cache/medlives}/bin
HELM_VERSION=v3.22.0
# KEDA operator for the lag-scaling check (test/k8s/keda.int.test.ts); matches ../shared/crds/keda-*.
KEDA_VERSION=v2.20.2

mkdir -p "$bin/.stamps"
# One build at a time: the lock is held for the whole run, and .tools.status says building / ok /
# failed. Tests that need the tools (test/k8s/tools-ready.ts) wait while the lock is held, so CI can
# run this in the background (.ci/run) and the Kubernetes suites, which jest runs last, pick up
# the binaries when they land, or fail naming this script and its log.
exec 9>"$bin/.tools.lock"
flock 9
status=$bin/.tools.status
echo "building ${TOOLS_LOG:+(log: $TOOLS_LOG)}" > "$status"
trap 'rc=$?; rm -f "${cpu_tmp:-}" "${cpu_tmp:-}.s"; if [[ $rc == 0 ]]; then echo ok > "$status"; else echo "failed (exit $rc) ${TOOLS_LOG:+see $TOOLS_LOG}" > "$status"; fi' EXIT
command -v go >/dev/null || { echo "tools.sh: Go >= 1.26 is needed to build kube-apiserver/kubectl/etcd/helm/tilt/keda-operator (https://go.dev/dl/)" >&2; exit 1; }

k8s=$(sed -n 's/^require k8s.io\/kubernetes \(v[^ ]*\).*/\1/p' "$here/go/kube/go.mod")
minor=${k8s#v1.}; minor=${minor%%.*}
kver="-X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/client-go/pkg/version.gitVersion=$k8s
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitMinor=$minor
 -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitTreeState=clean"

# CPU accounting: `times` reports the user and system CPU of the finished children of this shell.
# step LABEL CMD...: runs CMD and prints (and appends to $MEDLIVES_CACHE/tools-times.tsv) its wall
# and CPU seconds. Module downloads are a separate step (fetch: network) from compiling (build).
cpu_tmp=$(mktemp)
# `times` must run in this shell (a $(...) subshell has its own, empty, children totals).
cpu() { times >"$cpu_tmp"; sed -n 2p "$cpu_tmp" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.1f", t }' >"$cpu_tmp.s"; cpu_s=$(<"$cpu_tmp.s"); }
times_file=${bin%/bin}/tools-times.tsv
step() {
  local label=$1 c0 w0=$SECONDS c1; shift
  cpu; c0=$cpu_s
  local rc=0; "$@" || rc=$? # the step's status is returned below (callers may use `step … || …`)
  cpu; c1=$cpu_s
  local d=$(awk "BEGIN { printf \"%.0f\", $c1 - $c0 }") load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '%s\t%s\t%d\t%s\t%s\n' "$(date -u +%FT%TZ)" "$label" $((SECONDS - w0)) "$d" "$load" >> "$times_file"
  echo "tools.sh: $label: $((SECONDS - w0)) s wall, $d s CPU (user+sys), load $load${rc:+$( ((rc)) && echo ", FAILED (exit $rc)")}"
  return "$rc"
}

# build NAME STAMP CMD... : CMD must write "$out"; skipped when $bin/NAME exists with the same STAMP.
build() {
  local name=$1 stamp=$2; shift 2
  if [[ -x $bin/$name && $(cat "$bin/.stamps/$name" 2>/dev/null) == "$stamp" ]]; then
    echo "$name: cached ($stamp)"; return
  fi
  local t0=$SECONDS; out=$bin/.$name.tmp
  "$@"
  mv -f "$out" "$bin/$name"; echo "$stamp" > "$bin/.stamps/$name"
  echo "$name: built in $((SECONDS - t0))s ($stamp)"
}
modbuild() { # modbuild DIR PKG [LDFLAGS]: build PKG with the pins of go/DIR/go.mod
  step "$name fetch" bash -c 'cd "$1" && go list -mod=readonly -deps "$2" >/dev/null' _ "$here/go/$1" "$2"
  step "$name build" bash -c 'cd "$1" && go build -mod=readonly -trimpath -ldflags="-s -w $3" -o "$4" "$2"' _ "$here/go/$1" "$2" "${3:-}" "$out"
}
helmbuild() { # go install keeps helm's own pins; GOBIN is a temp dir so only a finished binary lands in $bin
  local d minor v=helm.sh/helm/v3; d=$(mktemp -d)
  # As helm's Makefile does: the default Kubernetes version (helm template, lint, kubeVersion checks)
  # is that of the client-go it is built with, not the v1.20 fallback compiled into the source.
  local j; j=$(go mod download -json "$v@$HELM_VERSION")
  minor=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$(jq -r .GoMod <<<"$j")")
  # Same module graph as `go install pkg@version` (the module's own go.mod, read-only cache dir).
  step "helm fetch" bash -c 'cd "$1" && go list -mod=readonly -deps ./cmd/helm >/dev/null' _ "$(jq -r .Dir <<<"$j")"
  step "helm build" env GOBIN="$d" go install -trimpath -ldflags="-s -w -X $v/internal/version.version=$HELM_VERSION \
    -X $v/pkg/chartutil.k8sVersionMajor=1 -X $v/pkg/chartutil.k8sVersionMinor=$minor \
    -X $v/pkg/lint/rules.k8sVersionMajor=1 -X $v/pkg/lint/rules.k8sVersionMinor=$minor" "$v/cmd/helm@$HELM_VERSION"
  mv "$d/helm" "$out"; rmdir "$d"
}
tiltbuild() { # tilt's module zip lacks its web UI (goreleaser builds it), so build a copy of the source with the UI
  local j src ver work log
  command -v node >/dev/null && command -v jq >/dev/null || { echo "tools.sh: tilt needs node >= 20 and jq" >&2; exit 1; }
  j=$(cd "$here/go/tilt" && go mod download -json github.com/tilt-dev/tilt) # verified against go/tilt/go.sum
  src=$(jq -r .Dir <<<"$j") ver=$(jq -r .Version <<<"$j")
  work=${bin%/bin}/tilt-src-$ver log=${bin%/bin}/tilt-web.log
  if [[ ! -f $work/pkg/assets/build/index.html ]]; then
    rm -rf "$work" && cp -r "$src" "$work" && chmod -R u+w "$work"
    step "tilt web UI (yarn install + build)" bash -c 'exec >"$2" 2>&1; cd "$1/web" && YARN_NPM_REGISTRY_SERVER=https://registry.npmjs.org YARN_ENABLE_IMMUTABLE_INSTALLS=false \
      node .yarn/releases/yarn-*.cjs install && CI=false GENERATE_SOURCEMAP=false node .yarn/releases/yarn-*.cjs build \
      && cp -r build/. ../pkg/assets/build/ && rm -rf node_modules .yarn/cache' _ "$work" "$log" || { tail -n 30 "$log" >&2; exit 1; }
  fi
  step "tilt fetch" bash -c 'cd "$1" && go list -mod=readonly -deps ./cmd/tilt >/dev/null' _ "$work"
  step "tilt build" bash -c 'cd "$1" && go build -mod=readonly -trimpath -o "$2" -ldflags="$3" ./cmd/tilt' _ "$work" "$out" \
    "-s -w -X main.version=${ver#v} -X main.date=$(jq -r .Time "$(jq -r .Info <<<"$j")")"
}
kedabuild() { # the module's own go.mod (replace directives included) pins its dependencies; build a writable copy
  local src work
  command -v jq >/dev/null || { echo "tools.sh: keda-operator needs jq" >&2; exit 1; }
  src=$(go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | jq -r .Dir) # verified against sum.golang.org
  work=$(mktemp -d)
  cp -r "$src/." "$work" && chmod -R u+w "$work"
  step "keda-operator fetch" bash -c 'cd "$1" && go list -mod=readonly -deps ./cmd/operator >/dev/null' _ "$work"
  step "keda-operator build" bash -c 'cd "$1" && go build -mod=readonly -trimpath -o "$2" -ldflags="$3" ./cmd/operator' _ "$work" "$out" \
    "-s -w -X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v}"
  rm -rf "$work"
}
modstamp() { cat "$here/go/$1/go.mod" "$here/go/$1/go.sum" | sha256sum | cut -c1-12; }

want=${*:-kube-apiserver kubectl etcd helm tilt keda-operator}
for t in $want; do
  case $t in
    kube-apiserver) build kube-apiserver "$k8s-$(modstamp kube)" modbuild kube k8s.io/kubernetes/cmd/kube-apiserver "$kver" ;;
    kubectl) build kubectl "$k8s-$(modstamp kube)" modbuild kube k8s.io/kubernetes/cmd/kubectl "$kver" ;;
    etcd) build etcd "$(modstamp kube)" modbuild kube go.etcd.io/etcd/server/v3 ;;
    helm) build helm "$HELM_VERSION-k8sver" helmbuild ;;
    tilt) build tilt "$(modstamp tilt)" tiltbuild ;;
    keda-operator) build keda-operator "$KEDA_VERSION" kedabuild ;;
    *) echo "tools.sh: unknown tool $t" >&2; exit 2 ;;
  esac
done
