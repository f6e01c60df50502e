module medlives.local/k8stools/tilt

// Pins tilt and, via go.sum, the hash of its source zip (sum.golang.org has no record of v0.34.0).
// tools.sh builds a copy of that source with tilt's own go.mod/go.sum, after building its web UI.
go 1.23.0

require github.com/tilt-dev/tilt v0.34.0
