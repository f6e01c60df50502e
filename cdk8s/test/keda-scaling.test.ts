/**
 * KEDA runs in its own namespace (`keda`) and resolves the trigger's bootstrap address there, so a
 * short Service name can never reach the broker: every ScaledObject must name the Service by its
 * namespace-qualified DNS name, in the committed manifests and for any namespace the app renders into.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deployables, type ProfileName } from '@medlives/topology';
import { parseAllDocuments } from 'yaml';
import { synthObjects } from '../src/render';
import { defaultValues } from '../src/values';
import { named, type Manifest } from './support';

const ROOT = resolve(__dirname, '..', '..');

function committed(profile: ProfileName): Manifest[] {
  const dir = join(ROOT, 'k8s', profile);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest))
    .filter(Boolean);
}

function bootstrapOf(objs: readonly Manifest[]): string[] {
  return objs
    .filter((o) => o.kind === 'ScaledObject')
    .flatMap((o) => (o.spec.triggers as { type: string; metadata: Record<string, string> }[]))
    .filter((t) => t.type === 'kafka')
    .map((t) => t.metadata.bootstrapServers ?? '');
}

describe.each<ProfileName>(['dev', 'prod'])('KEDA kafka triggers in k8s/%s', (profile) => {
  const objs = committed(profile);

  it('when KEDA resolves bootstrapServers from its own namespace, then every trigger names the Service as <svc>.<namespace>.svc', () => {
    const servers = bootstrapOf(objs);
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) expect(s).toMatch(/^medlives-kafka-bootstrap\.medlives\.svc:\d+$/);
  });

  it('when applied without -n, then every object lands in the namespace its bootstrap address names', () => {
    for (const o of objs) expect({ object: `${o.kind}/${o.metadata.name}`, ns: (o.metadata as { namespace?: string }).namespace }).toEqual({ object: `${o.kind}/${o.metadata.name}`, ns: 'medlives' });
  });
});

describe('KEDA kafka triggers for another namespace', () => {
  it.each<ProfileName>(['dev', 'prod'])('when %s is rendered for namespace "clinic-7", then the triggers and objects follow it', (profile) => {
    const objs = synthObjects(profile, defaultValues(profile), 'clinic-7') as unknown as Manifest[];
    for (const s of bootstrapOf(objs)) expect(s).toMatch(/^medlives-kafka-bootstrap\.clinic-7\.svc:\d+$/);
    for (const o of objs) expect((o.metadata as { namespace?: string }).namespace).toBe('clinic-7');
  });
});

describe('KEDA during a sink (MongoDB) outage', () => {
  const workers = deployables().filter((d) => d.group);
  const formulaOf = (so: Manifest) => so.spec.advanced?.scalingModifiers as { formula: string; target: string; metricType: string } | undefined;

  it.each(workers.map((d) => [d.app, d] as const))('when prod scales %s, then a paused sink zeroes the lag the HPA sees and a healthy one passes it through', (app, d) => {
    const so = named(committed('prod'), 'ScaledObject', app);
    const modifiers = formulaOf(so);
    expect(modifiers).toMatchObject({ target: String(defaultValues('prod').workers[app]?.lagThreshold), metricType: 'AverageValue' });
    const kafka = so.spec.triggers.filter((t: { type: string }) => t.type === 'kafka') as { name: string; metadata: { topic: string } }[];
    expect(kafka.map((t) => t.metadata.topic)).toEqual(d.group?.topics.map((t) => t.name));
    const sink = so.spec.triggers.find((t: { type: string }) => t.type === 'prometheus');
    expect(sink.name).toBe('sink_paused');
    expect(sink.metadata.query).toContain(`medlives_consumer_paused_partitions{namespace="medlives",group="${d.group?.id}"}`);
    // expr-lang's `a > 0 ? b : c` and arithmetic read the same in JavaScript: evaluate it.
    const names = [...kafka.map((t) => t.name), 'sink_paused'];
    const evaluate = new Function(...names, `return (${modifiers?.formula});`) as (...v: number[]) => number;
    const lags = kafka.map((_t, i) => 100 * (i + 1));
    expect(evaluate(...lags, 0)).toBe(lags.reduce((a, b) => a + b, 0));
    expect(evaluate(...lags, 3)).toBe(0);
  });

  it('when dev scales, then lag alone drives it (no Prometheus in the inner loop)', () => {
    for (const so of committed('dev').filter((o) => o.kind === 'ScaledObject')) {
      expect(formulaOf(so)).toBeUndefined();
      expect(so.spec.triggers.every((t: { type: string }) => t.type === 'kafka')).toBe(true);
    }
  });
});
