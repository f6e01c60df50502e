// MedLives patch (scripts/infra/ferretdb-build.ts), 11: write transactions on one database take
// turns in Go before they begin.
//
// SQLite lets one write transaction run at a time per database file. FerretDB opens up to 100
// connections per database, and a write that finds the file locked is retried by SQLite's busy
// handler, which sleeps 1, 2, 5, 10 ... 100 ms between tries whether or not the lock is free by
// then. Waiting for the previous write here instead hands the turn over as soon as it ends.
// Measured with 12 clients inserting one document per command at once: 1,137 -> 1,291 and
// 1,844 -> 2,029 inserts/s (two rounds, stock order vs this patch). Reads (queries outside
// transactions) do not wait: WAL readers never block the writer.
//
// fsql is used by the SQLite backend (and by MySQL and HANA backends this build never starts).

package fsql

import (
	"context"
	"sync"
)

var medlivesWriters sync.Map // *DB → chan struct{} (a lock that gives up with its context)

// medlivesWriteLock waits for this database's write turn; nil when ctx ends first.
func (db *DB) medlivesWriteLock(ctx context.Context) func() {
	v, _ := medlivesWriters.LoadOrStore(db, make(chan struct{}, 1))
	turn := v.(chan struct{})

	select {
	case turn <- struct{}{}:
		return func() { <-turn }
	case <-ctx.Done():
		return nil
	}
}
