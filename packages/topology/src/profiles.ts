export type ProfileName = 'dev' | 'prod';

export interface ProfileSpec {
  readonly name: ProfileName;
  readonly replicationFactor: number;
  /** With acks=all a write succeeds once this many replicas have it. */
  readonly minInsyncReplicas: number;
}

export const PROFILES: Readonly<Record<ProfileName, ProfileSpec>> = Object.freeze({
  dev: Object.freeze({ name: 'dev', replicationFactor: 1, minInsyncReplicas: 1 }),
  prod: Object.freeze({ name: 'prod', replicationFactor: 3, minInsyncReplicas: 2 }),
});

export function isProfileName(value: string): value is ProfileName {
  return value === 'dev' || value === 'prod';
}
