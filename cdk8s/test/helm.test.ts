/**
 * The chart is generated from the cdk8s app; this proves it with Helm itself: `helm lint`, and
 * `helm template` with the default values (and values-prod.yaml) equals k8s/dev (and k8s/prod)
 * resource by resource. Needs ${MEDLIVES_CACHE:-~/.cache/medlives}/bin/helm (scripts/k8s/tools.sh helm);
 * without it the suite is skipped locally and fails in CI.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONSUMER_GROUPS, type ProfileName } from '@medlives/topology';
import { parseAllDocuments } from 'yaml';
import { optionalApiVersions, withInstallPolicy } from '../src/helm/install-policy';
import { DEFAULT_NAMESPACE } from '../src/names';
import { TOOLS_WAIT_MS, toolsBuildRunning, waitForTools } from '../../test/k8s/tools-ready';
import { synthObjects } from '../src/render';
import { defaultValues } from '../src/values';

const CHART = resolve(__dirname, '..', '..', 'charts', 'medlives');
const HELM = join(process.env.MEDLIVES_CACHE ?? join(homedir(), '.cache', 'medlives'), 'bin', 'helm');
// A background scripts/k8s/tools.sh (CI) is waited for: jest runs this suite last (test/sequencer.js).
const available = existsSync(HELM) || toolsBuildRunning();
const inCi = process.env.CI === 'true';

type Doc = { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

function helm(...args: string[]): string {
  return execFileSync(HELM, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The capabilities of a cluster that runs prometheus-operator, as k8s/<profile> assumes. */
const withMonitoringApis = optionalApiVersions().flatMap((v) => ['--api-versions', v]);

/** `helm template` as on a cluster without prometheus-operator: Helm's default capabilities. */
function templateBare(profile: ProfileName, ...extra: string[]): Doc[] {
  const valueFiles = profile === 'prod' ? ['-f', join(CHART, 'values-prod.yaml')] : [];
  return parseAllDocuments(helm('template', 'medlives', CHART, ...valueFiles, '-n', DEFAULT_NAMESPACE, ...extra))
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

/**
 * NOTES.txt as `helm install` prints it, without a cluster: `helm template` skips NOTES, so a copy of
 * the chart renders it through `tpl` into a probe ConfigMap, with the same values and capabilities.
 */
function notes(profile: ProfileName, ...extra: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'medlives-notes-'));
  cpSync(CHART, dir, { recursive: true });
  copyFileSync(join(dir, 'templates', 'NOTES.txt'), join(dir, 'notes-probe.txt'));
  writeFileSync(
    join(dir, 'templates', 'notes-probe.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\ndata:\n  notes: {{ tpl (.Files.Get "notes-probe.txt") . | toJson }}\n',
  );
  const valueFiles = profile === 'prod' ? ['-f', join(dir, 'values-prod.yaml')] : [];
  const out = helm('template', 'medlives', dir, ...valueFiles, '-n', DEFAULT_NAMESPACE, '--show-only', 'templates/notes-probe.yaml', ...extra);
  return (parseAllDocuments(out)[0]?.toJS() as { data: { notes: string } }).data.notes;
}

function template(profile: ProfileName, ...extra: string[]): Doc[] {
  const valueFiles = profile === 'prod' ? ['-f', join(CHART, 'values-prod.yaml')] : [];
    // The release namespace the committed manifests are rendered for, unless a test names another.
  const namespace = extra.includes('-n') ? [] : ['-n', DEFAULT_NAMESPACE];
  return parseAllDocuments(helm('template', 'medlives', CHART, ...valueFiles, ...namespace, ...withMonitoringApis, ...extra))
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

const byKey = (docs: readonly Doc[]) => new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));

describe('Helm chart', () => {
  if (!available) {
    it(inCi ? 'when CI runs, then the helm binary must be present' : 'skipped: no helm binary (scripts/k8s/tools.sh helm)', () => {
      if (inCi) throw new Error(`helm not found at ${HELM}: run scripts/k8s/tools.sh helm`);
    });
    return;
  }

  beforeAll(() => waitForTools(['helm']), TOOLS_WAIT_MS);

  it('when linted with default and prod values, then helm lint passes', () => {
    expect(() => helm('lint', CHART)).not.toThrow();
    expect(() => helm('lint', CHART, '-f', join(CHART, 'values-prod.yaml'))).not.toThrow();
  });

  it.each<ProfileName>(['dev', 'prod'])('when templated for %s, then every resource equals the cdk8s output', (profile) => {
    const docs = template(profile);
    const hooks = docs.filter((d) => d.metadata.annotations?.['helm.sh/hook']);
    expect(hooks.map((d) => d.kind)).toEqual(['Pod']);
    const rendered = byKey(docs.filter((d) => !hooks.includes(d)));
    const expected = byKey(JSON.parse(JSON.stringify(synthObjects(profile).map((d) => withInstallPolicy(d, profile)))) as Doc[]);
    expect([...rendered.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, doc] of expected) expect({ key, doc: rendered.get(key) }).toEqual({ key, doc });
  });

  it('when values change, then the rendered resources follow them', () => {
    const docs = byKey(
      template('dev', '--set', 'image.repository=registry.example/medlives', '--set', 'image.tag=1.2.3', '--set', 'kafkaUi.enabled=false', '--set', 'workers.order-persistence.lagThreshold=42'),
    );
    const api = docs.get('Deployment/producer-api') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(api.spec.template.spec.containers[0]?.image).toBe('registry.example/medlives:1.2.3');
    expect(docs.has('Deployment/kafka-ui')).toBe(false);
    const so = docs.get('ScaledObject/order-persistence') as unknown as { spec: { triggers: { metadata: { lagThreshold: string } }[] } };
    expect(so.spec.triggers.map((t) => t.metadata.lagThreshold)).toEqual(CONSUMER_GROUPS.orderPersistence.topics.map(() => '42'));
  });

  it.each<ProfileName>(['dev', 'prod'])('when %s is installed into namespace clinic-7, then every object and KEDA bootstrap address follow the release namespace', (profile) => {
    const docs = template(profile, '-n', 'clinic-7').filter((d) => !d.metadata.annotations?.['helm.sh/hook']);
    for (const d of docs) expect({ key: `${d.kind}/${d.metadata.name}`, ns: d.metadata.namespace }).toEqual({ key: `${d.kind}/${d.metadata.name}`, ns: 'clinic-7' });
    const servers = docs.filter((d) => d.kind === 'ScaledObject').flatMap((d) => d.spec.triggers.filter((t: { type: string }) => t.type === 'kafka'));
    expect(servers.length).toBeGreaterThan(0);
    for (const t of servers) expect(t.metadata.bootstrapServers).toMatch(/^medlives-kafka-bootstrap\.clinic-7\.svc:\d+$/);
  });

  it.each<ProfileName>(['dev', 'prod'])('when %s is installed on a cluster without prometheus-operator, then no monitoring.coreos.com object renders and NOTES says so', (profile) => {
    const docs = templateBare(profile);
    expect(docs.filter((d) => (d as { apiVersion?: string }).apiVersion?.startsWith('monitoring.coreos.com/'))).toEqual([]);
    expect(docs.some((d) => d.kind === 'ConfigMap' && d.metadata.name === 'medlives-dashboard')).toBe(true);
    expect(notes(profile)).toMatch(/serves no monitoring\.coreos\.com\/v1/);
    expect(notes(profile, ...withMonitoringApis)).not.toMatch(/serves no monitoring/);
  });

  it('when prod is uninstalled, then Kafka, its node pools and every topic are kept; dev keeps nothing', () => {
    const kept = (docs: Doc[]) => docs.filter((d) => d.metadata.annotations?.['helm.sh/resource-policy'] === 'keep').map((d) => d.kind);
    const prod = template('prod');
    const stateful = prod.filter((d) => ['Kafka', 'KafkaNodePool', 'KafkaTopic'].includes(d.kind));
    expect(stateful.length).toBeGreaterThan(3);
    expect(kept(prod).sort()).toEqual(stateful.map((d) => d.kind).sort());
    expect(kept(template('dev'))).toEqual([]);
  });

  it('when placement values and a numeric CPU are set, then lint passes and every pod equals the cdk8s output for the same values', () => {
    const set = ['--set', 'nodeSelector.pool=apps', '--set', 'tolerations[0].key=dedicated', '--set', 'tolerations[0].operator=Exists', '--set', 'imagePullSecrets[0].name=regcred', '--set', 'podAnnotations.team=pharmacy', '--set', 'producerApi.resources.limits.cpu=1'];
    expect(() => helm('lint', '--strict', CHART, ...set)).not.toThrow();
    const placement = { nodeSelector: { pool: 'apps' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }], imagePullSecrets: [{ name: 'regcred' }], podAnnotations: { team: 'pharmacy' } };
    const rendered = byKey(template('dev', ...set));
    const values = { ...defaultValues('dev'), ...placement };
    const expected = JSON.parse(JSON.stringify(synthObjects('dev', values))) as Doc[];
    const deployments = expected.filter((d) => d.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(1);
    for (const d of deployments) {
      const got = rendered.get(`Deployment/${d.metadata.name}`) as Doc;
      expect({ name: d.metadata.name, template: got.spec.template }).toEqual({ name: d.metadata.name, template: { ...d.spec.template, spec: { ...d.spec.template.spec, ...(d.metadata.name === 'producer-api' ? { containers: got.spec.template.spec.containers } : {}) } } });
    }
  });

  it('when maxReplicas exceeds the partitions, then rendering fails with the reason', () => {
    expect(() => template('dev', '--set', 'workers.order-persistence.maxReplicas=50')).toThrow(/exceeds the partitions/);
  });
});
