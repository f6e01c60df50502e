import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isProfileName, type ProfileName } from '@medlives/topology';
import { synthProfile } from '../render';

export const MANIFESTS_DIR = resolve(__dirname, '..', '..', '..', 'k8s');

/**
 * `synth [--profile dev|prod]... [--namespace NS] [--stdout] [--outdir DIR]`: writes <outdir>/<profile>/*.yaml
 * for each profile (both by default), replacing stale files, or prints them as one stream. Objects and
 * the KEDA bootstrap address carry NS (default `medlives`).
 */
export function synthCli(args: readonly string[]): void {
  const { values } = parseArgs({
    args: [...args],
    options: { profile: { type: 'string', multiple: true }, namespace: { type: 'string' }, stdout: { type: 'boolean', default: false }, outdir: { type: 'string' } },
  });
  const requested = values.profile ?? ['dev', 'prod'];
  const bad = requested.filter((p) => !isProfileName(p));
  if (bad.length) throw new Error(`unknown profile ${bad.join(', ')} (expected dev or prod)`);
  const outdir = values.outdir ? resolve(values.outdir) : MANIFESTS_DIR;
  for (const profile of requested as ProfileName[]) {
    const files = synthProfile(profile, undefined, values.namespace);
    if (values.stdout) {
      process.stdout.write([...files.values()].join('---\n'));
      continue;
    }
    const dir = join(outdir, profile);
    mkdirSync(dir, { recursive: true });
    for (const stale of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) rmSync(join(dir, stale));
    for (const [file, yaml] of files) writeFileSync(join(dir, file), yaml);
    process.stderr.write(`synth: ${profile} -> ${dir} (${files.size} files)\n`);
  }
}
