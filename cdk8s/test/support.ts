import type { ProfileName } from '@medlives/topology';
import { Testing } from 'cdk8s';
import { buildPlatform } from '../src/platform';
import { defaultValues, type PlatformValues } from '../src/values';

/** A synthesized manifest, loosely typed for targeted assertions. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export function synth(profile: ProfileName, values: PlatformValues = defaultValues(profile)): Manifest[] {
  return buildPlatform(Testing.app(), { values }).flatMap(({ chart }) => Testing.synth(chart) as Manifest[]);
}

export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export function named(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

/** Pod templates of every workload kind, with the owning object's name. */
export function podTemplates(manifests: readonly Manifest[]): { name: string; spec: any }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return manifests
    .filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet')
    .map((m) => ({ name: `${m.kind}/${m.metadata.name}`, spec: m.spec.template.spec }));
}
