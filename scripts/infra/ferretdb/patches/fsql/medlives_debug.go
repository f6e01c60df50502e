// MedLives patch (scripts/infra/ferretdb-build.ts): fsql logged every SQL statement with
// `l.With(args...).DebugContext(...)`. slog's default handler formats the attributes given to
// With at once, whatever the level, so every write quoted its whole JSON document into a string
// that was then dropped: 12% of the server's CPU in the persistence benchmark. The attributes are
// now formatted only when debug logging is on.

package fsql

import (
	"context"
	"log/slog"
)

func medlivesDebug(ctx context.Context, l *slog.Logger, fields []any, msg string) {
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}

	l.With(fields...).DebugContext(ctx, msg)
}
