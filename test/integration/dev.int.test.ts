/**
 * `npm run dev` as a developer runs it (issues 8–10: "npm run dev starts them", "prints the
 * dashboard URL"): the script itself, in its own process, on ports beside any running copy and a
 * database of its own. Every app it prints must answer /readyz 200 (a worker that never becomes
 * ready is a broken dev loop, whatever its unit tests say), the dashboard URL must serve the page,
 * and one order placed with the printed key must come back reserved by inventory-service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO, prng, randomName, waitFor } from '@medlives/testkit';

jest.setTimeout(300_000);

describe('npm run dev', () => {
  let child: ChildProcess;
  let output = '';
  const rand = prng(Date.now());
  const apiPort = 20_000 + Math.floor(rand() * 5_000) * 2;
  const workerPort = apiPort + 100;

  beforeAll(() => {
    child = spawn(process.execPath, ['--import', 'tsx', join('scripts', 'dev.ts')], {
      cwd: REPO,
      // No API_KEYS: the script must generate and print dev keys, as on a fresh machine.
      env: { ...process.env, API_KEYS: '', MEDLIVES_DEV_API_PORT: String(apiPort), MEDLIVES_DEV_WORKER_PORT: String(workerPort), MEDLIVES_DEV_DB: randomName('dev') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [child.stdout, child.stderr]) s?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  });

  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const printed = () => waitFor('the dev script to print its URLs', async () => (/API key\s+\S+ → Bearer (\S+)/.exec(output) ? output : undefined), { timeoutMs: 180_000, intervalMs: 500 });

  it('prints the dashboard URL with the dev key, and the page behind it loads', async () => {
    const text = await printed();
    const dashboard = /Dashboard\s+(http:\/\/\S+\/dashboard)#key=(\S+)/.exec(text);
    expect(dashboard).not.toBeNull();
    expect(dashboard![1]).toBe(`http://127.0.0.1:${apiPort}/dashboard`);
    const res = await waitFor('the dashboard page', async () => {
      const r = await fetch(dashboard![1]!).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('starts every app, and each one it prints becomes ready (/readyz 200)', async () => {
    const text = await printed();
    const workers = [...text.matchAll(/^\s+([a-z-]+)\s+(http:\/\/127\.0\.0\.1:\d+)\/readyz/gm)].map((m) => ({ app: m[1]!, url: `${m[2]}/readyz` }));
    // Every consumer group of MISSION §2 has a worker app; the API is printed with its docs URL.
    expect(workers.map((w) => w.app).sort()).toEqual(['analytics', 'audit', 'care-records', 'delivery-tracking', 'inventory', 'notification', 'order-persistence']);
    const targets = [...workers, { app: 'producer-api', url: `http://127.0.0.1:${apiPort}/readyz` }];
    const notReady = new Map<string, string>();
    await waitFor('every app to report ready', async () => {
      for (const t of targets) {
        const r = await fetch(t.url).catch((e: Error) => e);
        if (r instanceof Response && r.status === 200) notReady.delete(t.app);
        else notReady.set(t.app, r instanceof Response ? `${r.status} ${await r.text()}` : String(r));
      }
      return notReady.size === 0;
    }, { timeoutMs: 180_000, intervalMs: 1_000 }).catch((error: Error) => {
      throw new Error(`${error.message}; not ready: ${JSON.stringify(Object.fromEntries(notReady))}\n${output.slice(-4_000)}`);
    });
  });

  it('takes an order with the printed key and inventory-service reserves its stock', async () => {
    const key = /API key\s+\S+ → Bearer (\S+)/.exec(await printed())![1]!;
    const api = `http://127.0.0.1:${apiPort}/api/v1`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const productId = randomName('amox');
    const product = await fetch(`${api}/products`, { method: 'POST', headers, body: JSON.stringify({ productId, name: 'Amoxicillin 500mg', stock: 5 }) });
    expect(product.status).toBe(201);
    const created = await fetch(`${api}/orders`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': randomName('dev-order') },
      body: JSON.stringify({ customer: { name: 'Ada', phone: '+44 20 7946 0000' }, items: [{ productId, medication: 'Amoxicillin 500mg', quantity: 2, unitPrice: 4.5 }], totalPrice: 9 }),
    });
    expect(created.status).toBe(202);
    const { orderId } = (await created.json()) as { orderId: string };
    const order = await waitFor('the order to show its stock reserved', async () => {
      const r = await fetch(`${api}/orders/${orderId}`, { headers });
      const body = r.status === 200 ? ((await r.json()) as { fulfilment?: { state?: string } }) : undefined;
      return body?.fulfilment?.state === 'reserved' ? body : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    expect(order.fulfilment?.state).toBe('reserved');
    const stock = (await (await fetch(`${api}/products/${productId}`, { headers })).json()) as { stock: number };
    expect(stock.stock).toBe(3);
  });
});
