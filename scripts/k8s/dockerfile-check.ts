/**
 * Runs the Dockerfile's stages without Docker, so a broken Dockerfile cannot land unnoticed (CI has
 * no Docker daemon). Each stage gets its own directory standing in for the image's root; the build
 * context is the repository's files minus .dockerignore; COPY, WORKDIR and RUN are executed with the
 * image's top-level paths (/app, /src, /manifests...) mapped into that directory. The final stage
 * must hold `dist/<app>/main.js` for every deployable, with its production dependencies resolvable.
 *   npx tsx scripts/k8s/dockerfile-check.ts [--keep]
 * Not emulated: the base image itself (node from PATH stands in), USER/ENV/CMD, cache mounts,
 * `RUN chown` (the base image's users).
 */
import { execFileSync, execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { deployables } from '@medlives/topology';

const REPO = resolve(__dirname, '..', '..');
/** Top-level directories of the base image: paths under them are the machine's own. */
const SYSTEM = new Set(['bin', 'dev', 'etc', 'home', 'lib', 'lib64', 'opt', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'var']);

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n');
  return joined
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** .dockerignore semantics for the patterns we use: `**`, `*`, `?`, a match excludes a whole directory. */
export function ignoredBy(patterns: readonly string[]): (path: string) => boolean {
  const rules = patterns
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#'))
    .map((p) => {
      const negate = p.startsWith('!');
      const body = (negate ? p.slice(1) : p).replace(/^\/+|\/+$/g, '');
      const re = body
        .split('/')
        .map((seg) => (seg === '**' ? '(?:.*/)?' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '/'))
        .join('')
        .replace(/\/$/, '');
      return { negate, re: new RegExp(`^${re.replace(/\(\?:\.\*\/\)\?$/, '.*')}(?:/.*)?$`) };
    });
  return (path) => rules.reduce((ignored, r) => (r.re.test(path) ? !r.negate : ignored), false);
}

function sh(command: string, cwd: string): void {
  execSync(command, { cwd, stdio: 'inherit', shell: '/bin/bash', env: { ...process.env, npm_config_update_notifier: 'false' } });
}

export function checkDockerfile(keep = false): string {
  const work = mkdtempSync(join(tmpdir(), 'medlives-dockerfile-'));
  const context = join(work, 'context');
  const ignored = ignoredBy(readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !ignored(f) && existsSync(join(REPO, f)));
  for (const f of files) {
    mkdirSync(dirname(join(context, f)), { recursive: true });
    cpSync(join(REPO, f), join(context, f));
  }

  const stages = new Map<string, string>();
  let root = '';
  let cwd = '';
  /** An image path (absolute, or relative to WORKDIR) inside the current stage's directory. */
  const inStage = (p: string, base = root) => (p.startsWith('/') ? join(base, p) : join(cwd, p));
  const mapPaths = (cmd: string) =>
    cmd.replace(/(^|[\s=])\/([A-Za-z_][\w.-]*)/g, (m, lead: string, top: string) => (SYSTEM.has(top) ? m : `${lead}${root}/${top}`));

  for (const { op, args } of parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'))) {
    if (op === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage${stages.size}`;
      root = join(work, 'stages', name);
      cwd = root;
      mkdirSync(root, { recursive: true });
      stages.set(name, root);
      console.log(`dockerfile-check: stage ${name}`);
    } else if (op === 'WORKDIR') {
      cwd = inStage(args);
      mkdirSync(cwd, { recursive: true });
    } else if (op === 'COPY') {
      const parts = args.split(/\s+/);
      const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
      const [src = '', dst = ''] = parts.filter((p) => !p.startsWith('--'));
      const source = from ? inStage(src, stages.get(from) ?? '') : join(context, src);
      if (from && !stages.has(from)) throw new Error(`COPY --from=${from}: no such stage`);
      cpSync(source, inStage(dst), { recursive: true, dereference: false });
    } else if (op === 'RUN') {
      const command = args.replace(/--mount=\S+\s*/g, '');
      // Ownership needs the base image's users (node); it does not change what gets built.
      if (/^chown\s/.test(command) && !command.includes('&&')) {
        console.log(`dockerfile-check: skipped (ownership only) RUN ${command}`);
        continue;
      }
      console.log(`dockerfile-check: RUN ${command}`);
      sh(mapPaths(command), cwd);
    }
  }

  const final = root;
  const missing = deployables()
    .map((d) => `dist/${d.app}/main.js`)
    .filter((f) => !existsSync(join(final, 'app', f)));
  if (missing.length) throw new Error(`final stage lacks ${missing.join(', ')}`);
  // The bundles keep npm packages external: every production dependency must be installed in /app.
  const pkg = JSON.parse(readFileSync(join(final, 'app', 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const absent = Object.keys(pkg.dependencies ?? {}).filter((d) => !existsSync(join(final, 'app', 'node_modules', d, 'package.json')));
  if (absent.length) throw new Error(`final stage lacks production dependencies ${absent.join(', ')}`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  return final;
}

if (require.main === module) {
  const started = Date.now();
  checkDockerfile(process.argv.includes('--keep'));
  console.log(`dockerfile-check: every stage built without Docker in ${Math.round((Date.now() - started) / 1000)} s`);
}
