import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@medlives/errors';
import { buildData, checkTransition } from '../src/domain/build-event';
import { fromUnknown } from '../src/http/errors';
import { WRITE_ROUTES } from '../src/routes/write-routes';

const route = (operationId: string) => WRITE_ROUTES.find((r) => r.operationId === operationId)!;
const ctx = { params: { orderId: 'ord-1' }, tenantCode: 'pharma-001', userId: 'u1', now: new Date('2026-01-01T00:00:00Z') };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('domain errors and the HTTP layer', () => {
  it('when domain code is read, then it imports nothing from routes/ or http/', () => {
    const dir = join(__dirname, '..', 'src', 'domain');
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from '\.\.\/(routes|http)\//.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('when a body names a path field, then the domain throws SCHEMA_INVALID and HTTP answers 422 naming the field', () => {
    const error = thrown(() => buildData(route('deleteOrder'), { orderId: 'x' }, ctx));
    expect(AppError.is(error, 'SCHEMA_INVALID')).toBe(true);
    const http = fromUnknown(error);
    expect(http.status).toBe(422);
    expect(http.issues?.map((i) => i.path)).toEqual(['orderId']);
  });

  it('when a transition is illegal, then the domain throws ILLEGAL_TRANSITION and HTTP answers 409 with the current status', () => {
    const error = thrown(() => checkTransition('delivered', 'paid'));
    expect(AppError.is(error, 'ILLEGAL_TRANSITION')).toBe(true);
    const http = fromUnknown(error);
    expect(http.status).toBe(409);
    expect(http.extra).toEqual({ currentStatus: 'delivered' });
  });

  it('when an infrastructure AppError reaches HTTP, then 503 with Retry-After and no internal context', () => {
    const http = fromUnknown(new AppError('DB_UNAVAILABLE', 'mongodb: down', { context: { host: 'secret-host' } }));
    expect(http.status).toBe(503);
    expect(Number(http.headers['Retry-After'])).toBeGreaterThan(0);
    expect(http.extra).toEqual({});
  });
});
