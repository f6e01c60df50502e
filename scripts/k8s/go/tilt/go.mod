module medlives.local/k8stools/tilt

go 1.23.0

tool github.com/tilt-dev/tilt/cmd/tilt

require github.com/tilt-dev/tilt v0.34.0

// Copied from tilt v0.34.0's go.mod: replace directives of a dependency are ignored, so `go install tilt@v0.34.0` refuses to build.
replace (
	github.com/emicklei/go-restful/v3 => github.com/emicklei/go-restful/v3 v3.9.0
	github.com/pkg/browser => github.com/tilt-dev/browser v0.0.1
	k8s.io/apimachinery => github.com/tilt-dev/apimachinery v0.32.0-tilt-20250103
)
