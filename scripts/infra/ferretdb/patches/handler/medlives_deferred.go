// MedLives patch (scripts/infra/ferretdb-build.ts): the `update` command wrote each statement's
// document in a transaction of its own. Its writes are now collected and committed together in
// one transaction when the command ends, so a bulk replace of N orders costs one commit, not N.
//
// What a statement reads is unchanged: before a statement queries, the collected writes are
// committed unless the statement filters on a plain `_id` that none of them has. An upsert's
// insert commits them first, so writes keep their order. If the final commit fails, the command
// fails (none of the collected writes landed), as a failing statement did before.
//
// Patch 9, replace by `_id` without a read: a statement that replaces one document (no update
// operators, no upsert, no multi) found by a plain `_id` filter is written with
// `UPDATE ... WHERE _id = ?` without first reading and decoding the stored document; the rows
// it changed are its matched and modified counts. The one visible difference from MongoDB:
// a replacement identical to the stored document counts as modified (MongoDB reports
// nModified 0 for it). Anything else (a replacement that changes `_id`, invalid data) takes the
// stock path, which reports the error as before.

package handler

import (
	"context"
	"fmt"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

type medlivesDeferredUpdates struct {
	backends.Collection
	docs []*types.Document // counted by the stock path already
	fast []*types.Document // replaced by `_id` without a read: counted when written
	ids  map[string]struct{}
	// Rows the `fast` writes changed: their statements' matched (and modified) counts.
	fastMatched int32
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

// replaceByID queues a replacement by a plain `_id` without reading the stored document, when
// the statement is one; false sends it down the stock path.
func (c *medlivesDeferredUpdates) replaceByID(u *common.Update) bool {
	if u.Multi || u.Upsert || u.HasUpdateOperators || u.Update == nil || u.Filter == nil || u.Filter.Len() != 1 {
		return false
	}

	id, err := u.Filter.Get("_id")
	if err != nil {
		return false
	}

	key, ok := medlivesIDKey(id)
	if !ok {
		return false
	}

	if rid, err := u.Update.Get("_id"); err == nil && types.Compare(rid, id) != types.Equal {
		return false
	}

	doc := must.NotFail(types.NewDocument("_id", id))

	for _, k := range u.Update.Keys() {
		if k != "_id" {
			doc.Set(k, must.NotFail(u.Update.Get(k)))
		}
	}

	if doc.ValidateData() != nil {
		return false
	}

	c.ids[key] = struct{}{}
	c.fast = append(c.fast, doc)

	return true
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
	if len(c.docs) == 0 && len(c.fast) == 0 {
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
	docs, fast := c.docs, c.fast
	c.docs, c.fast, c.ids = nil, nil, map[string]struct{}{}

	if len(docs) > 0 {
		if _, err := c.Collection.UpdateAll(ctx, &backends.UpdateAllParams{Docs: docs}); err != nil {
			return err
		}
	}

	if len(fast) > 0 {
		res, err := c.Collection.UpdateAll(ctx, &backends.UpdateAllParams{Docs: fast})
		if err != nil {
			return err
		}

		c.fastMatched += res.Updated
	}

	return nil
}
