/**
 * Waiting for scripts/k8s/tools.sh. CI (.ci/run) starts the Kubernetes tool build in the background
 * and runs `npm test` meanwhile; jest runs every suite that calls `waitForTools(` last
 * (test/sequencer.js), and those suites wait here while a build holds the tools lock. A build that
 * failed, or no build and no binaries, fails the suite with the one command to run — never a skip.
 * Dependency-free on purpose: cdk8s unit tests use it too.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const BIN = join(process.env.MEDLIVES_CACHE ?? join(homedir(), '.cache', 'medlives'), 'bin');
const LOCK = join(BIN, '.tools.lock');
const STATUS = join(BIN, '.tools.status');

/** A cold build on a busy 2-core machine: the jest timeout for the hook that waits. */
export const TOOLS_WAIT_MS = 90 * 60_000;

/** True while a scripts/k8s/tools.sh run holds the lock (it holds it from start to exit). */
export function toolsBuildRunning(): boolean {
  if (!existsSync(LOCK)) return false;
  // flock -n exits 1 when another process holds the lock.
  return spawnSync('flock', ['-n', LOCK, 'true']).status === 1;
}

function missing(tools: readonly string[]): string[] {
  return tools.filter((t) => {
    try {
      accessSync(join(BIN, t), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Resolves when no build is running and `tools` are in the cache bin; throws if they never come.
 * It waits for the whole build, not only for `tools`: a build may be replacing binaries of older pins.
 */
export async function waitForTools(tools: readonly string[], timeoutMs = TOOLS_WAIT_MS - 60_000): Promise<void> {
  const started = Date.now();
  let said = 0;
  while (toolsBuildRunning()) {
    if (Date.now() - started > timeoutMs) throw new Error(`scripts/k8s/tools.sh still building after ${timeoutMs / 60_000} min (${readStatus()})`);
    if (Date.now() - said > 60_000) {
      said = Date.now();
      process.stderr.write(`[k8s tools] waiting for scripts/k8s/tools.sh (${readStatus()}): ${Math.round((said - started) / 1000)} s so far\n`);
    }
    await new Promise((r) => setTimeout(r, 5_000));
  }
  const waited = Date.now() - started;
  if (waited > 10_000) process.stderr.write(`[k8s tools] waited ${Math.round(waited / 1000)} s for scripts/k8s/tools.sh\n`);
  const absent = missing(tools);
  if (absent.length === 0) return;
  const status = readStatus();
  if (status.startsWith('failed') || status.startsWith('building')) {
    // "building" with the lock free: the build was killed before it could say how it ended.
    throw new Error(`scripts/k8s/tools.sh did not build ${absent.join(', ')}: ${status.startsWith('building') ? 'interrupted' : status}. Fix it, or run \`bash scripts/k8s/tools.sh\` and look at its output.`);
  }
  throw new Error(`Kubernetes tools missing from ${BIN}: ${absent.join(', ')}. Build them once with \`bash scripts/k8s/tools.sh\` (about an hour of CPU cold, cached afterwards; CI starts it in the background).`);
}

function readStatus(): string {
  try {
    return readFileSync(STATUS, 'utf8').trim();
  } catch {
    return 'no status';
  }
}
