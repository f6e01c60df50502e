import { AppError } from '@medlives/errors';
import { FERRETDB, FERRETDB_ID_IN, FERRETDB_MEDLIVES, MONGODB, dialectFor, mongoAppError } from '@medlives/mongo';

describe('mongoAppError', () => {
  it.each([
    [Object.assign(new Error('x'), { name: 'MongoServerSelectionError' }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('x'), { name: 'MongoServerError', code: 91 }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('x'), { name: 'MongoServerError', code: 50 }), 'DB_TIMEOUT', true],
    [Object.assign(new Error('Authentication failed.'), { name: 'MongoServerError', code: 18 }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('not authorized'), { name: 'MongoServerError', code: 13 }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('waiting for replication timed out'), { name: 'MongoWriteConcernError', code: 64 }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('try again'), { name: 'MongoServerError', code: 365 }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('disk full'), { name: 'MongoServerError', code: 14031 }), 'DB_UNAVAILABLE', true],
    // FerretDB (SQLite) under write contention: InternalError with SQLite's busy code in the text.
    [Object.assign(new Error('[collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)'), { name: 'MongoServerError', code: 1 }), 'DB_UNAVAILABLE', true],
    [Object.assign(new Error('document too large'), { name: 'MongoServerError', code: 10334 }), 'INTERNAL', false],
    [Object.assign(new Error('bad'), { name: 'MongoServerError', code: 2 }), 'INTERNAL', false],
  ])('when the driver throws %p, then it maps to %s (retriable %s)', (error, code, retriable) => {
    const mapped = mongoAppError(error);
    expect(mapped).toBeInstanceOf(AppError);
    expect([mapped.code, mapped.retriable]).toEqual([code, retriable]);
  });
});

describe('dialect', () => {
  it('when the server is FerretDB, then the FerretDB fallbacks are chosen', () => {
    expect(dialectFor({ kind: 'ferretdb' })).toBe(FERRETDB);
    expect(dialectFor({ kind: 'mongodb' })).toBe(MONGODB);
  });

  it('when FerretDB reports the _id $in pushdown, then reads are batched and the other fallbacks stay', () => {
    expect(dialectFor({ kind: 'ferretdb', idInPushdown: false })).toBe(FERRETDB);
    const dialect = dialectFor({ kind: 'ferretdb', idInPushdown: true });
    expect(dialect).toBe(FERRETDB_ID_IN);
    expect(dialect).toEqual({ ...FERRETDB, batchedIdLookup: true });
    expect(FERRETDB.batchedIdLookup).toBe(false);
  });

  it('when FerretDB also reports bulk updates (the MedLives build), then a batch is one update command', () => {
    const dialect = dialectFor({ kind: 'ferretdb', idInPushdown: true, bulkUpdates: true });
    expect(dialect).toBe(FERRETDB_MEDLIVES);
    expect(dialect).toEqual({ ...FERRETDB_ID_IN, maxUpdatesPerCommand: 1_000 });
    expect(FERRETDB_ID_IN.maxUpdatesPerCommand).toBe(40);
  });
});
