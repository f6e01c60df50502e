/**
 * The chart's values as a real install uses them: values.schema.json accepts what Kubernetes and the
 * apps accept (quantities as numbers or strings, the apps' log levels, a subchart `global` block),
 * and the placement values reach every app pod.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CommonEnv } from '@medlives/runtime';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { defaultValues, POD_PLACEMENT_KEYS, type PlatformValues } from '../src/values';
import { ofKind, synth } from './support';

const CHART = resolve(__dirname, '..', '..', 'charts', 'medlives');
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// Ajv knows draft-07 by its http:// id; the keywords used are the same.
const validate = new Ajv({ strict: false, allErrors: true }).compile({ ...schema, $schema: undefined });

function withValues(patch: (v: Record<string, any>) => void): { valid: boolean; errors: string } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const values = structuredClone(defaults);
  patch(values);
  const valid = validate(values) as boolean;
  return { valid, errors: JSON.stringify(validate.errors ?? []) };
}

describe('values.schema.json', () => {
  it('when the defaults are validated, then they pass', () => {
    expect(withValues(() => undefined)).toEqual({ valid: true, errors: '[]' });
  });

  it('when CPU and memory are numbers (cpu: 1, memory: 1073741824), then they are accepted as Kubernetes quantities', () => {
    expect(withValues((v) => Object.assign(v.producerApi.resources.limits, { cpu: 1, memory: 1073741824 })).valid).toBe(true);
    expect(withValues((v) => Object.assign(v.producerApi.resources.requests, { cpu: 0.5 })).valid).toBe(true);
    expect(withValues((v) => Object.assign(v.producerApi.resources.requests, { cpu: 'lots' })).valid).toBe(false);
  });

  it('when logLevel is set, then exactly the levels the apps parse are accepted', () => {
    const levels = CommonEnv.shape.LOG_LEVEL.unwrap().options as readonly string[];
    for (const level of levels) expect(withValues((v) => (v.logLevel = level)).valid).toBe(true);
    expect(withValues((v) => (v.logLevel = 'verbose')).valid).toBe(false);
  });

  it('when used as a subchart, then a global block with any keys is accepted', () => {
    expect(withValues((v) => (v.global = { imageRegistry: 'registry.example', storageClass: 'fast' })).valid).toBe(true);
  });

  it('when placement values are given, then the schema accepts their Kubernetes shapes', () => {
    const r = withValues((v) => {
      v.imagePullSecrets = [{ name: 'regcred' }];
      v.nodeSelector = { 'kubernetes.io/arch': 'amd64' };
      v.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'medlives', effect: 'NoSchedule' }];
      v.affinity = { nodeAffinity: {} };
      v.podAnnotations = { 'example.com/team': 'pharmacy' };
    });
    expect(r).toEqual({ valid: true, errors: '[]' });
    expect(withValues((v) => (v.imagePullSecrets = ['regcred'])).valid).toBe(false);
  });
});

describe('Chart.yaml', () => {
  it('when installed, then Helm checks the cluster version the manifests need', () => {
    expect(parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')).kubeVersion).toBe('>=1.31.0-0');
  });
});

describe('pod placement values', () => {
  it.each(['dev', 'prod'] as const)('when %s sets them, then every app and Kafka UI pod carries them, and no pod does by default', (profile) => {
    const placement = {
      imagePullSecrets: [{ name: 'regcred' }],
      nodeSelector: { pool: 'apps' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      podAnnotations: { team: 'pharmacy' },
    };
    const values: PlatformValues = { ...defaultValues(profile), ...placement };
    const deployments = ofKind(synth(profile, values), 'Deployment');
    expect(deployments.length).toBeGreaterThan(1);
    for (const d of deployments) {
      const { spec, metadata } = d.spec.template;
      expect({ name: d.metadata.name, annotations: metadata.annotations, pullSecrets: spec.imagePullSecrets, nodeSelector: spec.nodeSelector, tolerations: spec.tolerations, affinity: spec.affinity }).toEqual({
        name: d.metadata.name,
        annotations: placement.podAnnotations,
        pullSecrets: placement.imagePullSecrets,
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
        affinity: placement.affinity,
      });
    }
    for (const d of ofKind(synth(profile), 'Deployment')) {
      for (const k of POD_PLACEMENT_KEYS) expect(d.spec.template.spec[k]).toBeUndefined();
      expect(d.spec.template.metadata.annotations).toBeUndefined();
    }
  });
});
