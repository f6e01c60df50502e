import { type Envelope, decodeEvent } from '@medlives/events';
import type { DecodeFn } from './types';

/** The standard decoder: envelope + per-type schema (MISSION §3); failures are typed, never thrown. */
export const decodeEnvelope: DecodeFn<Envelope> = (message) => {
  const result = decodeEvent(message);
  return result.ok ? { ok: true, value: result.envelope } : { ok: false, code: result.code, message: result.message };
};
