import type { DeployableSpec } from '@medlives/topology';
import type { EnvVar, Volume, VolumeMount } from '../imports/k8s';
import { CONFIG_MAP, WORKDIR, mainModule } from './names';
import { httpProbes, resourceRequirements, type AppWorkloadProps } from './workload';
import type { ResourceValues } from './values';

/** A Secret key the app reads as a file; `envVar` carries the file's path. The key names the volume. */
export interface SecretFile {
  readonly secretName: string;
  readonly key: string;
  readonly envVar: string;
  /** Volume name (a DNS label, so keys such as `ca.crt` need one). @default key */
  readonly volume?: string;
  /** Mount directory. @default `/etc/medlives/<key>` */
  readonly dir?: string;
}

export interface MedlivesContainerProps {
  readonly deployable: DeployableSpec;
  readonly image: string;
  readonly imagePullPolicy: string;
  readonly resources: ResourceValues;
  /** App-specific variables; shared settings come from the platform ConfigMap. */
  readonly env: readonly EnvVar[];
  /** @default [] */
  readonly files?: readonly SecretFile[];
}

export interface MedlivesContainer {
  readonly container: AppWorkloadProps['container'];
  readonly volumes: readonly Volume[];
}

/** Every MedLives app is the same image started on its own entry point. */
export function medlivesContainer(props: MedlivesContainerProps): MedlivesContainer {
  const files = props.files ?? [];
  const mounts: VolumeMount[] = files.map((f) => ({ name: f.volume ?? f.key, mountPath: secretDir(f), readOnly: true }));
  const volumes: Volume[] = files.map((f) => ({
    name: f.volume ?? f.key,
    // 0440 + the pod's fsGroup: readable by the non-root app, by nobody else.
    secret: { secretName: f.secretName, items: [{ key: f.key, path: f.key }], defaultMode: 0o440 },
  }));
  return {
    container: {
      image: props.image,
      imagePullPolicy: props.imagePullPolicy,
      // node as PID 1 receives SIGTERM directly: no npm or shell in between to swallow it.
      command: ['node', mainModule(props.deployable.app)],
      workingDir: WORKDIR,
      envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
      env: [...props.env, ...files.map((f) => ({ name: f.envVar, value: `${secretDir(f)}/${f.key}` }))],
      resources: resourceRequirements(props.resources),
      volumeMounts: mounts,
      ...httpProbes('/healthz', '/readyz'),
    },
    volumes,
  };
}

function secretDir(f: SecretFile): string {
  return f.dir ?? `/etc/medlives/${f.key}`;
}
