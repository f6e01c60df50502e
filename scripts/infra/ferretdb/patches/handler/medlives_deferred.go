// MedLives patch (scripts/infra/ferretdb-build.ts): the `update` command wrote each statement's
// document in a transaction of its own. Its writes are now collected and committed together in
// one transaction when the command ends, so a bulk replace of N orders costs one commit, not N.
//
// What a statement reads is unchanged: before a statement queries, the collected writes are
// committed unless the statement filters on a plain `_id` that none of them has. An upsert's
// insert commits them first, so writes keep their order. If the final commit fails, the command
// fails (none of the collected writes landed), as a failing statement did before.

package handler

import (
	"context"
	"fmt"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/types"
)

type medlivesDeferredUpdates struct {
	backends.Collection
	docs []*types.Document
	ids  map[string]struct{}
}

func medlivesDefer(c backends.Collection) *medlivesDeferredUpdates {
	return &medlivesDeferredUpdates{Collection: c, ids: map[string]struct{}{}}
}

func medlivesIDKey(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return "s:" + v, true
	case types.ObjectID:
		return fmt.Sprintf("o:%x", [12]byte(v)), true
	default:
		return "", false
	}
}

// UpdateAll implements backends.Collection: the documents are written by flush.
func (c *medlivesDeferredUpdates) UpdateAll(_ context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) {
	for _, doc := range params.Docs {
		id, _ := doc.Get("_id")
		key, ok := medlivesIDKey(id)
		if !ok {
			key = fmt.Sprintf("x:%d", len(c.docs))
		}

		c.ids[key] = struct{}{}
		c.docs = append(c.docs, doc)
	}

	return &backends.UpdateAllResult{Updated: int32(len(params.Docs))}, nil
}

// InsertAll implements backends.Collection: collected writes first.
func (c *medlivesDeferredUpdates) InsertAll(ctx context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) {
	if err := c.flush(ctx); err != nil {
		return nil, err
	}

	return c.Collection.InsertAll(ctx, params)
}

// beforeQuery commits the collected writes unless the filter is a plain `_id` none of them has.
func (c *medlivesDeferredUpdates) beforeQuery(ctx context.Context, filter *types.Document) error {
	if len(c.docs) == 0 {
		return nil
	}

	if filter != nil && filter.Len() == 1 {
		if v, err := filter.Get("_id"); err == nil {
			if key, ok := medlivesIDKey(v); ok {
				if _, pending := c.ids[key]; !pending {
					return nil
				}
			}
		}
	}

	return c.flush(ctx)
}

func (c *medlivesDeferredUpdates) flush(ctx context.Context) error {
	if len(c.docs) == 0 {
		return nil
	}

	docs := c.docs
	c.docs, c.ids = nil, map[string]struct{}{}
	_, err := c.Collection.UpdateAll(ctx, &backends.UpdateAllParams{Docs: docs})

	return err
}
