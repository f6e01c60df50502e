/**
 * The README's Kubernetes commands must work as written: the "Without Tilt" path creates every
 * Secret the dev manifests need but do not create, and builds and loads the image they name; the kind
 * cluster is reproducible (node image pinned by digest) and has a local registry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, documents } from './local-apiserver';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: any; stringData?: Record<string, string>; data?: Record<string, string> }; // eslint-disable-line @typescript-eslint/no-explicit-any

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const dev = ['apps', 'config', 'kafka', 'kafka-ui', 'mongodb', 'topics', 'users']
  .map((f) => join(REPO, 'k8s', 'dev', `${f}.yaml`))
  .filter((f) => existsSync(f))
  .flatMap((f) => documents(readFileSync(f, 'utf8')) as unknown as Obj[]);
const kind = parse(readFileSync(join(REPO, 'kind-config.yaml'), 'utf8')) as { name: string; nodes: { image?: string }[]; containerdConfigPatches?: string[] };

/** Shell lines of the first ```bash block after `heading`, continuation lines joined. */
function commands(heading: string): string[] {
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`README has no "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  return block.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

/** Secret name -> keys every dev pod reads (env secretKeyRef, secret volumes). */
function secretsReferenced(objs: readonly Obj[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, key: string) => out.set(name, (out.get(name) ?? new Set()).add(key));
  for (const o of objs) {
    const pod = o.spec?.template?.spec;
    if (!pod) continue;
    for (const c of pod.containers ?? []) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) add(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    }
    for (const v of pod.volumes ?? []) for (const item of v.secret?.items ?? []) add(v.secret.secretName, item.key);
  }
  return out;
}

describe('README: Kubernetes without Tilt', () => {
  const lines = commands('### Without Tilt');
  const namespace = dev[0]?.metadata.namespace ?? '';

  it('when followed, then it creates the namespace the manifests name and applies k8s/dev after the Secrets', () => {
    expect(namespace).not.toBe('');
    expect(lines).toContain(`kubectl create namespace ${namespace}`);
    const apply = lines.findIndex((l) => /^kubectl( -n \S+)? apply --server-side -f k8s\/dev\/?$/.test(l));
    expect(apply).toBeGreaterThan(lines.findIndex((l) => l.includes('create secret')));
  });

  it('when followed, then every Secret the dev pods read and the dev profile does not create exists with its keys', () => {
    const created = new Set(dev.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
    const needed = [...secretsReferenced(dev)].filter(([name]) => !created.has(name));
    expect(needed.length).toBeGreaterThan(0);
    for (const [name, keys] of needed) {
      const line = lines.find((l) => l.startsWith(`kubectl -n ${namespace} create secret generic ${name} `));
      expect({ name, line: line !== undefined }).toEqual({ name, line: true });
      for (const key of keys) expect({ name, key, ok: new RegExp(`--from-(literal|file)=${key}=`).test(line ?? '') }).toEqual({ name, key, ok: true });
    }
  });

  it('when followed, then the image every MedLives Deployment runs is built and loaded into the kind cluster', () => {
    const images = new Set(
      dev.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'kafka-ui').flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image)),
    );
    expect(images.size).toBe(1);
    const [image] = images;
    const build = lines.find((l) => l.startsWith('docker build'));
    expect(build).toContain(`docker build -t ${image} .`);
    expect(build).toContain(`kind load docker-image ${image} --name ${kind.name}`);
  });
});

describe('kind cluster', () => {
  it('when created, then the node image is pinned by digest', () => {
    expect(kind.nodes.length).toBeGreaterThan(0);
    for (const n of kind.nodes) expect(n.image).toMatch(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('when a local registry is used, then containerd reads registry hosts and kind-up.sh advertises localhost:5001 to Tilt', () => {
    expect(kind.containerdConfigPatches?.join('\n')).toContain('config_path = "/etc/containerd/certs.d"');
    const script = readFileSync(join(REPO, 'scripts/k8s/kind-up.sh'), 'utf8');
    expect(script).toContain('local-registry-hosting');
    expect(script).toContain('REG_PORT=${MEDLIVES_REGISTRY_PORT:-5001}');
    expect(script).toContain('kind create cluster --config "$root/kind-config.yaml"');
  });
});
