/**
 * No manifest ships unvalidated (issue 5): the committed k8s/ profiles, the Helm chart and the
 * Tiltfile's output go through a real kube-apiserver with the Strimzi, KEDA and prometheus-operator
 * CRDs, which checks schemas, defaulting and admission. Nothing is persisted: every apply is a dry run.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  ALL_TOOLS,
  BIN,
  REPO,
  documents,
  ensureApiServer,
  ensureNamespace,
  kubectl,
  requireTools,
  run,
  succeeded,
  toYamlStream,
  toolEnv,
} from './local-apiserver';
import { TOOLS_WAIT_MS, waitForTools } from './tools-ready';

const NAMESPACE = 'medlives-validate';
/** k8s/dev and k8s/prod name their namespace (KEDA's bootstrap address depends on it). */
const COMMITTED_NAMESPACE = 'medlives';
const PROD_VALUES = 'charts/medlives/values-prod.yaml';
const timings: string[] = [];

function profile(dir: string): string {
  const files = readdirSync(join(REPO, dir)).filter((f) => f.endsWith('.yaml')).sort();
  return files.map((f) => readFileSync(join(REPO, dir, f), 'utf8')).join('\n---\n');
}

async function helmTemplate(...args: string[]): Promise<string> {
  const result = succeeded(await run(join(BIN, 'helm'), ['template', 'medlives', 'charts/medlives', '-n', NAMESPACE, ...args]));
  timings.push(`helm template ${args.join(' ') || '(default values)'}: ${result.ms} ms`);
  return result.stdout;
}

/** One server-side dry-run apply for the whole set; resolves to the number of objects the server accepted. */
async function dryRunApply(label: string, yamlText: string, namespace = NAMESPACE): Promise<number> {
  const result = succeeded(
    await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=medlives-validate', '-n', namespace, '-f', '-'], yamlText),
  );
  timings.push(`dry-run apply of ${label}: ${result.ms} ms`);
  return result.stdout.split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)')).length;
}

function firstOfKind(yamlText: string, kind: string): Record<string, unknown> {
  const found = documents(yamlText).find((d) => d.kind === kind);
  if (!found) throw new Error(`no ${kind} in the dev manifests`);
  return structuredClone(found);
}

describe('Kubernetes manifests on a real kube-apiserver', () => {
  // CI builds the tools in the background; jest runs this suite last (test/sequencer.js).
  beforeAll(() => waitForTools(ALL_TOOLS), TOOLS_WAIT_MS);

  beforeAll(async () => {
    requireTools();
    const up = await ensureApiServer();
    timings.push(`apiserver.sh up (start or reuse, CRDs applied): ${up.ms} ms`);
    await ensureNamespace(NAMESPACE);
  }, 300_000);

  afterAll(() => {
    // The API server stays up for the next suite; `scripts/k8s/apiserver.sh down` stops it.
    if (timings.length) console.log(`[k8s validation timings]\n  ${timings.join('\n  ')}`);
  });

  it.each([
    ['k8s/dev', COMMITTED_NAMESPACE, () => Promise.resolve(profile('k8s/dev'))],
    ['k8s/prod', COMMITTED_NAMESPACE, () => Promise.resolve(profile('k8s/prod'))],
    ['helm template (default values)', NAMESPACE, () => helmTemplate()],
    ['helm template -f values-prod.yaml', NAMESPACE, () => helmTemplate('-f', PROD_VALUES)],
  ])('when %s is applied with a server-side dry run, then every document is accepted', async (label, namespace, render) => {
    const yamlText = await render();
    const expected = documents(yamlText).length;
    expect(expected).toBeGreaterThan(20);
    await ensureNamespace(namespace);
    expect(await dryRunApply(label, yamlText, namespace)).toBe(expected);
  });

  it.each([
    [
      'a KafkaTopic with partitions: "x"',
      () => {
        const topic = firstOfKind(profile('k8s/dev'), 'KafkaTopic') as { metadata: { name: string }; spec: { partitions: unknown } };
        topic.metadata.name = 'broken-partitions';
        topic.spec.partitions = 'x';
        return topic;
      },
      /spec\.partitions: expected numeric/,
    ],
    [
      'a ScaledObject without triggers',
      () => {
        const so = firstOfKind(profile('k8s/dev'), 'ScaledObject') as { metadata: { name: string }; spec: { triggers?: unknown } };
        so.metadata.name = 'broken-no-triggers';
        delete so.spec.triggers;
        return so;
      },
      /spec\.triggers: Required value/,
    ],
  ])('when %s is applied, then the API server rejects it', async (_label, broken, reason) => {
    // The rendered objects name their namespace; the broken copy is applied into the validation one.
    const object = broken() as { metadata: { namespace?: string } };
    delete object.metadata.namespace;
    const result = await kubectl(['apply', '--server-side', '--dry-run=server', '-n', NAMESPACE, '-f', '-'], toYamlStream([object]));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(reason);
  });

  it.each([['default values', []], ['values-prod.yaml', ['-f', PROD_VALUES]]])(
    'when the chart is linted strictly with %s, then helm lint passes',
    async (label, args) => {
      const result = succeeded(await run(join(BIN, 'helm'), ['lint', '--strict', 'charts/medlives', ...args]));
      timings.push(`helm lint (${label}): ${result.ms} ms`);
      expect(result.stdout).toContain('0 chart(s) failed');
    },
  );

  it('when the Tiltfile is evaluated, then it loads without a cluster and every object it deploys is accepted', async () => {
    // Tilt only runs local() for contexts it trusts (kind-*); an unreachable server proves it needs no cluster.
    const dir = mkdtempSync(join(tmpdir(), 'medlives-tilt-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'kind-medlives', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'kind-medlives', user: { token: 'unused' } }],
        contexts: [{ name: 'kind-medlives', context: { cluster: 'kind-medlives', user: 'kind-medlives' } }],
        'current-context': 'kind-medlives',
      }),
    );
    // MEDLIVES_CACHE: the Tiltfile generates dev secrets there; keep them out of the developer's cache.
    const result = succeeded(
      await run(join(BIN, 'tilt'), ['alpha', 'tiltfile-result', '-f', 'Tiltfile'], { env: toolEnv({ KUBECONFIG: kubeconfig, MEDLIVES_CACHE: dir }) }),
    );
    timings.push(`tilt alpha tiltfile-result: ${result.ms} ms`);
    const tilt = JSON.parse(result.stdout) as {
      Error: string | null;
      Manifests: { Name: string; ResourceDependencies: string[] | null; DeployTarget?: { yaml?: string } }[];
    };
    expect(tilt.Error).toBeNull();
    const byName = new Map(tilt.Manifests.map((m) => [m.Name, m]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining(['strimzi-operator', 'keda-operator', 'kafka', 'topics', 'producer-api', 'order-persistence', 'kafka-ui']),
    );
    expect(byName.get('producer-api')?.ResourceDependencies).toContain('topics-ready');

    const deployed = tilt.Manifests.flatMap((m) => (m.DeployTarget?.yaml ? [m.DeployTarget.yaml] : [])).join('\n---\n');
    const objects = documents(deployed);
    const namespaces = new Set(objects.map((o) => (o.metadata as { namespace?: string }).namespace ?? NAMESPACE));
    expect(namespaces.size).toBe(1);
    const [namespace = NAMESPACE] = namespaces;
    await ensureNamespace(namespace);
    expect(await dryRunApply('Tiltfile objects', deployed, namespace)).toBe(objects.length);
  });
});
