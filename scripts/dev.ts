/**
 * `npm run dev`: the platform on this machine. Starts (or reuses) Kafka and the MongoDB-wire
 * server, then every app under apps/ that has a main, with logs prefixed, and prints the URLs.
 * API keys come from API_KEYS; without it a random dev key is generated and printed.
 * MEDLIVES_DEV_API_PORT (8080), MEDLIVES_DEV_WORKER_PORT (9464, the first worker; one port per
 * worker after it) and MEDLIVES_DEV_DB (medlives) move it aside, e.g. next to a running copy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCER_API, WORKER_HTTP_PORT } from '@medlives/topology';
import { infraUp } from './infra';
import { STATE_DIR, REPO_DIR } from './infra/paths';

const CLI_APPS = new Set(['ops']);

/**
 * Care records are sealed at rest: ENCRYPTION_KEYS if set, else a dev key generated once and kept
 * (mode 600) in the state directory, so records stay readable across `npm run dev` runs.
 */
function devEncryptionKeys(): { keys: string; file?: string } {
  if (process.env.ENCRYPTION_KEYS) return { keys: process.env.ENCRYPTION_KEYS };
  const file = join(STATE_DIR, 'dev-encryption-keys');
  if (!existsSync(file)) {
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(file, `dev1:${randomBytes(32).toString('base64')}`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { keys: readFileSync(file, 'utf8').trim(), file };
}

async function main(): Promise<void> {
  const infra = await infraUp((line) => console.error(`[infra] ${line}`));
  const given = process.env.API_KEYS?.trim() || undefined; // set but empty counts as unset
  const apiKey = given ? undefined : `dev-${randomBytes(12).toString('hex')}`;
  const adminKey = given ? undefined : `dev-admin-${randomBytes(12).toString('hex')}`;
  const apiKeys = given ?? `pharma-001:${apiKey},admin:${adminKey}`;
  const encryption = devEncryptionKeys();
  const apps = readdirSync(join(REPO_DIR, 'apps')).filter((a) => !CLI_APPS.has(a) && existsSync(join(REPO_DIR, 'apps', a, 'src', 'main.ts')));
  const children: ChildProcess[] = [];
  const apiPort = Number(process.env.MEDLIVES_DEV_API_PORT ?? PRODUCER_API.httpPort);
  let workerPort = Number(process.env.MEDLIVES_DEV_WORKER_PORT ?? WORKER_HTTP_PORT);
  const database = process.env.MEDLIVES_DEV_DB ?? 'medlives';
  const urls: string[] = [];
  for (const app of apps) {
    const port = app === PRODUCER_API.app ? apiPort : workerPort++;
    const child = spawn(join(REPO_DIR, 'node_modules', '.bin', 'tsx'), [join('apps', app, 'src', 'main.ts')], {
      cwd: REPO_DIR,
      env: { ...process.env, ...infra.env, MONGO_URL: `${infra.env.MONGO_URL}/${database}`, API_KEYS: apiKeys, ENCRYPTION_KEYS: encryption.keys, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => process.stdout.write(d.toString().replace(/^(?=.)/gm, `[${app}] `)));
    child.once('exit', (code) => console.error(`[${app}] exited with ${code}`));
    children.push(child);
    urls.push(app === PRODUCER_API.app ? `API                http://127.0.0.1:${port}/api/v1/docs  (health /healthz, /readyz, /metrics)` : `${app.padEnd(19)}http://127.0.0.1:${port}/readyz  (/metrics)`);
  }
  urls.unshift(`Dashboard          http://127.0.0.1:${apiPort}/dashboard${apiKey ? `#key=${apiKey}` : ''}  (the key is kept in the tab's sessionStorage)`);
  console.error(['', 'MedLives is starting:', ...urls.map((u) => `  ${u}`), `  Kafka              ${infra.env.KAFKA_BROKERS}`, `  MongoDB            ${infra.env.MONGO_URL}`, ...(apiKey ? [`  API key            pharma-001 → Bearer ${apiKey}`, `  Admin key          admin → Bearer ${adminKey} (GET /api/v1/audit)`] : []), ...(encryption.file ? [`  Care records key   ${encryption.file}  (ENCRYPTION_KEYS overrides)`] : []), '  Ctrl-C stops the apps; `npm run infra:down` stops Kafka and MongoDB.', ''].join('\n'));
  const shutdown = () => {
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(0), 25_000).unref();
    Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
