// MedLives patch (scripts/infra/ferretdb-build.ts): stock FerretDB filters `_id` as
// `_jsonb->$1 @> $2`, which the `_id` index (on the expression `_jsonb->'_id'`) cannot serve,
// so every by-id read scanned the table. For a string/ObjectID `_id` (or `_id: {$in: [...]}` of
// them) this filters with equality on the indexed expression instead. `_id` is never an array,
// so for those values `=` selects the same rows as `@>`; and every handler filters the returned
// documents again (common.FilterIterator), so the results do not change.

package postgresql

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// medlivesIDFilter returns an SQL condition on the indexed `_id` expression for the filter
// value of `_id`, or "" when that value is not pushable this way.
func medlivesIDFilter(p *metadata.Placeholder, v any) (string, []any) {
	var values []any

	switch v := v.(type) {
	case string, types.ObjectID:
		values = append(values, v)

	case *types.Document:
		in, err := v.Get("$in")
		if err != nil {
			return "", nil
		}

		arr, ok := in.(*types.Array)
		if !ok || arr.Len() == 0 {
			return "", nil
		}

		for i := 0; i < arr.Len(); i++ {
			e := must.NotFail(arr.Get(i))
			switch e.(type) {
			case string, types.ObjectID:
				values = append(values, e)
			default:
				return "", nil
			}
		}

	default:
		return "", nil
	}

	marks := make([]string, len(values))
	args := make([]any, len(values))

	for i, e := range values {
		marks[i] = p.Next()
		args[i] = string(must.NotFail(sjson.MarshalSingleValue(e)))
	}

	if len(marks) == 1 {
		return fmt.Sprintf(`%s = %s`, metadata.IDColumn, marks[0]), args
	}

	return fmt.Sprintf(`%s IN (%s)`, metadata.IDColumn, strings.Join(marks, ", ")), args
}
