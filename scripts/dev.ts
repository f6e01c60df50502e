/**
 * `npm run dev`: the platform on this machine. Starts (or reuses) Kafka and the MongoDB-wire
 * server, then every app under apps/ that has a main, with logs prefixed, and prints the URLs.
 * API keys come from API_KEYS; without it a random dev key is generated and printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCER_API, WORKER_HTTP_PORT } from '@medlives/topology';
import { infraUp } from './infra';
import { REPO_DIR } from './infra/paths';

const CLI_APPS = new Set(['ops']);

async function main(): Promise<void> {
  const infra = await infraUp((line) => console.error(`[infra] ${line}`));
  const apiKey = process.env.API_KEYS ? undefined : `dev-${randomBytes(12).toString('hex')}`;
  const apiKeys = process.env.API_KEYS ?? `pharma-001:${apiKey}`;
  const apps = readdirSync(join(REPO_DIR, 'apps')).filter((a) => !CLI_APPS.has(a) && existsSync(join(REPO_DIR, 'apps', a, 'src', 'main.ts')));
  const children: ChildProcess[] = [];
  let workerPort = WORKER_HTTP_PORT;
  const urls: string[] = [];
  for (const app of apps) {
    const port = app === PRODUCER_API.app ? PRODUCER_API.httpPort : workerPort++;
    const child = spawn(join(REPO_DIR, 'node_modules', '.bin', 'tsx'), [join('apps', app, 'src', 'main.ts')], {
      cwd: REPO_DIR,
      env: { ...process.env, ...infra.env, MONGO_URL: `${infra.env.MONGO_URL}/medlives`, API_KEYS: apiKeys, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => process.stdout.write(d.toString().replace(/^(?=.)/gm, `[${app}] `)));
    child.once('exit', (code) => console.error(`[${app}] exited with ${code}`));
    children.push(child);
    urls.push(app === PRODUCER_API.app ? `API                http://127.0.0.1:${port}/api/v1/docs  (health /healthz, /readyz, /metrics)` : `${app.padEnd(19)}http://127.0.0.1:${port}/readyz  (/metrics)`);
  }
  urls.unshift(`Dashboard          http://127.0.0.1:${PRODUCER_API.httpPort}/dashboard${apiKey ? `#key=${apiKey}` : ''}  (the key is kept in the tab's sessionStorage)`);
  console.error(['', 'MedLives is starting:', ...urls.map((u) => `  ${u}`), `  Kafka              ${infra.env.KAFKA_BROKERS}`, `  MongoDB            ${infra.env.MONGO_URL}`, ...(apiKey ? [`  API key            pharma-001 → Bearer ${apiKey}`] : []), '  Ctrl-C stops the apps; `npm run infra:down` stops Kafka and MongoDB.', ''].join('\n'));
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
