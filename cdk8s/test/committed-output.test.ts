import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProfileName } from '@medlives/topology';
import { renderChart } from '../src/helm/chart';
import { synthProfile } from '../src/render';

const ROOT = resolve(__dirname, '..', '..');
const STALE = 'is stale: run `npm run synth` and commit the result';

describe('committed output', () => {
  it.each<ProfileName>(['dev', 'prod'])('when k8s/%s is compared with a fresh synth, then every file matches', (profile) => {
    const dir = join(ROOT, 'k8s', profile);
    const fresh = synthProfile(profile);
    const onDisk = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
    expect({ files: onDisk, note: `k8s/${profile} ${STALE}` }).toEqual({ files: [...fresh.keys()].sort(), note: `k8s/${profile} ${STALE}` });
    for (const [file, yaml] of fresh) {
      expect({ file, yaml: readFileSync(join(dir, file), 'utf8') }).toEqual({ file, yaml });
    }
  });

  it('when charts/medlives is compared with a fresh render, then every generated file matches', () => {
    const dir = join(ROOT, 'charts', 'medlives');
    for (const [file, text] of renderChart()) {
      const path = join(dir, file);
      expect({ file, exists: existsSync(path), note: STALE }).toEqual({ file, exists: true, note: STALE });
      expect({ file, text: readFileSync(path, 'utf8') }).toEqual({ file, text });
    }
  });
});
