import { WRITE_ROUTES } from '../src/routes/write-routes';
import { validRequest } from './bodies';
import { type ApiHarness, startApi } from './harness';

/** Deterministic PRNG so a failing case can be replayed from the printed seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const WEIRD: unknown[] = [null, true, false, 0, -1, 1e308, -0.5, NaN, '', ' ', 'x'.repeat(300), '💊', '\u0000', '<script>', '../../etc', '2026-13-45', {}, [], [null], { $gt: '' }, { __proto__: { polluted: true } }, '{"a":1}'];

function mutate(value: unknown, rand: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  if (value && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const action = rand();
    if (action < 0.25 && keys.length) delete copy[pick(keys)];
    else if (action < 0.6 && keys.length) {
      const key = pick(keys);
      copy[key] = rand() < 0.5 ? pick(WEIRD) : mutate(copy[key], rand, depth + 1);
    } else if (action < 0.75) copy[pick(['extra', 'tenantCode', '$where', 'constructor', 'status'])] = pick(WEIRD);
    return copy;
  }
  if (Array.isArray(value)) return rand() < 0.5 ? [] : value.map((v) => mutate(v, rand, depth + 1));
  return pick(WEIRD);
}

describe('producer API fuzz', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('when 5,000 random and mutated bodies hit every write endpoint, then no 5xx and the process stays up', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const rand = prng(seed);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const total = 5_000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const route = WRITE_ROUTES[Math.floor(rand() * WRITE_ROUTES.length)]!;
        const { path, body } = validRequest(route, rand() < 0.1 ? '%2e%2e%2f' : `id-${i}`);
        const kind = rand();
        const raw = kind < 0.05 ? '{"truncated": ' : kind < 0.1 ? JSON.stringify(mutate(body, rand)).slice(0, Math.floor(rand() * 40)) : undefined;
        const payload = raw === undefined ? (kind < 0.15 ? WEIRD[i % WEIRD.length] : mutate(body, rand)) : undefined;
        const res = await api.request(route.method.toUpperCase(), path, raw === undefined ? { body: payload } : { raw });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push(`${route.method} ${path} ${JSON.stringify(payload ?? raw).slice(0, 200)} -> ${res.status} ${JSON.stringify(res.body)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const summary = Object.fromEntries([...statuses].sort());
    expect({ seed, failures: failures.slice(0, 5) }).toEqual({ seed, failures: [] });
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    expect(summary[202] ?? 0).toBeGreaterThan(0);
    expect((await api.request('GET', '/healthz', { key: null })).status).toBe(200);
  });
});
