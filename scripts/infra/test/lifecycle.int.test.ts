import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { resolveTopics } from '@medlives/topology';

const TOPIC_COUNT = resolveTopics({ profile: 'dev' }).length;

const exec = promisify(execFile);
const REPO = resolve(__dirname, '..', '..', '..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

/** The infra CLI of one isolated instance (state dir + env), its pid files, and a teardown after the suite. */
function isolatedInfra(state: string, env: NodeJS.ProcessEnv) {
  const infra = (command: string, extra: NodeJS.ProcessEnv = {}) =>
    exec(TSX, ['scripts/infra/cli.ts', command], { cwd: REPO, env: { ...env, ...extra }, timeout: 300_000 });
  const pid = (name: string) => Number(readFileSync(join(state, 'run', `${name}.pid`), 'utf8'));
  afterAll(async () => {
    await infra('down').catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });
  return { infra, pid };
}

const alive = (p: number) => {
  try {
    process.kill(p, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A second, isolated instance (own ports and state, same download cache) so the suite's shared
 * servers are not disturbed while we prove up → up (reuse) → down (nothing left running).
 */
describe('npm run infra:up / infra:down', () => {
  const state = mkdtempSync(join(tmpdir(), 'medlives-infra-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDLIVES_STATE: state,
    MEDLIVES_KAFKA_PORT: String(29000 + Math.floor(Math.random() * 900) * 2),
    MEDLIVES_MONGO_PORT: String(28000 + Math.floor(Math.random() * 900)),
  };
  delete env.KAFKA_BROKERS;
  delete env.MONGO_URL;
  const { infra, pid } = isolatedInfra(state, env);

  it('when run twice, then the second run reuses; when torn down, then no process is left', async () => {
    const first = await infra('up');
    expect(first.stderr).toMatch(/kafka: started/);
    expect(first.stderr).toMatch(/mongo: started/);
    expect(first.stdout).toContain(`export KAFKA_BROKERS=127.0.0.1:${env.MEDLIVES_KAFKA_PORT}`);
    expect(first.stdout).toContain(`export MONGO_URL=mongodb://127.0.0.1:${env.MEDLIVES_MONGO_PORT}`);
    expect(first.stderr).toMatch(new RegExp(`topics: ${TOPIC_COUNT} created`));
    const pids = [pid('kafka'), pid('ferretdb')];

    const second = await infra('up');
    expect(second.stderr).toMatch(/kafka: reused/);
    expect(second.stderr).toMatch(/mongo: reused/);
    expect(second.stderr).toMatch(new RegExp(`topics: 0 created, 0 updated, ${TOPIC_COUNT} unchanged`));
    expect([pid('kafka'), pid('ferretdb')]).toEqual(pids);

    const status = await infra('status');
    expect(status.stdout.match(/ up /g)).toHaveLength(2);

    await infra('down');
    expect(pids.filter(alive)).toEqual([]);
    await expect(infra('status')).rejects.toMatchObject({ code: 3 });
  });
});

/**
 * The PostgreSQL backend of FerretDB in its own state dir and ports (the suite's Kafka is reused
 * through KAFKA_BROKERS): up starts PostgreSQL (as a non-root user when run as root) and FerretDB
 * on it, status names the backend, a different backend on a running server is refused, and down
 * stops both.
 */
describe('MEDLIVES_FERRET_BACKEND=postgresql', () => {
  const state = mkdtempSync(join(tmpdir(), 'medlives-infra-pg-'));
  const port = 28000 + Math.floor(Math.random() * 900);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDLIVES_STATE: state,
    MEDLIVES_MONGO_PORT: String(port),
    MEDLIVES_FERRET_BACKEND: 'postgresql',
  };
  delete env.MONGO_URL;
  delete env.MEDLIVES_PG_PORT;
  const { infra, pid } = isolatedInfra(state, env);

  it('when brought up on PostgreSQL, then FerretDB runs on it, the backend shows, a switch is refused, and down stops both', async () => {
    const up = await infra('up');
    expect(up.stderr).toMatch(/mongo: started .* FerretDB v1 \(postgresql/);
    const pids = [pid('ferretdb'), pid('postgres')];
    expect(pids.every(alive)).toBe(true);
    if (process.getuid?.() === 0) expect(Number((await exec('stat', ['-c', '%u', `/proc/${pid('postgres')}`])).stdout.trim())).not.toBe(0);

    const status = await infra('status');
    expect(status.stdout).toMatch(/ferretdb \(postgresql\)\s+up /);
    expect(status.stdout).toMatch(new RegExp(`postgresql\\s+up\\s+postgres://medlives@127\\.0\\.0\\.1:${port + 414}/ferretdb`));

    await expect(infra('up', { MEDLIVES_FERRET_BACKEND: 'sqlite' })).rejects.toMatchObject({ stderr: expect.stringMatching(/FerretDB is running on postgresql but MEDLIVES_FERRET_BACKEND asks for sqlite/) });

    await infra('down');
    expect(pids.filter(alive)).toEqual([]);
  });
});
