import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '@medlives/errors';

/**
 * A value sealed with AES-256-GCM. Stored as is in a document: the key id travels with the
 * ciphertext so a reader picks the right key and `medlives keys rotate` finds what is left
 * under an old one.
 */
export interface Sealed {
  /** Format version (1: AES-256-GCM, 96-bit IV, 128-bit tag). */
  readonly v: 1;
  /** Id of the key that sealed it. */
  readonly kid: string;
  /** base64 */
  readonly iv: string;
  /** base64 authentication tag */
  readonly tag: string;
  /** base64 ciphertext */
  readonly ct: string;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID = /^[A-Za-z0-9_.-]{1,32}$/;

/** Why a ciphertext could not be opened; carried in the error's context. */
export type OpenFailure = 'unknown_key' | 'authentication_failed' | 'malformed';

/** A fresh random key, base64 (what `openssl rand -base64 32` prints). For tests and operators. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Parses `kid:base64key[,kid:base64key...]`. Each key must decode to exactly 32 bytes; ids are
 * unique. Throws CONFIG_INVALID naming the entry (never the key material).
 */
export function parseKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const entries = spec.split(/[,\n]/).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new AppError('CONFIG_INVALID', 'no encryption keys: expected kid:base64key[,kid:base64key...]');
  for (const [i, entry] of entries.entries()) {
    const at = entry.indexOf(':');
    const kid = at > 0 ? entry.slice(0, at) : '';
    if (!KID.test(kid)) throw new AppError('CONFIG_INVALID', `encryption key #${i + 1}: expected kid:base64key with a kid of 1-32 letters, digits, _ . -`);
    const material = entry.slice(at + 1);
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) throw new AppError('CONFIG_INVALID', `encryption key "${kid}": must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
    if (keys.has(kid)) throw new AppError('CONFIG_INVALID', `encryption key "${kid}" is listed twice`);
    keys.set(kid, key);
  }
  return keys;
}

/**
 * The keys a process may use. New values are sealed under `currentId`; any listed key opens
 * what it sealed, so adding a key and making it current keeps old records readable until
 * `medlives keys rotate` re-seals them. `aad` binds a ciphertext to where it is stored (a record
 * id): copying it onto another record fails authentication instead of decrypting.
 */
export class Keyring {
  readonly currentId: string;

  constructor(private readonly keys: ReadonlyMap<string, Buffer>, currentId?: string) {
    const current = currentId ?? keys.keys().next().value;
    if (current === undefined || !keys.has(current)) {
      throw new AppError('CONFIG_INVALID', `current encryption key "${current ?? ''}" is not among the configured keys (${[...keys.keys()].join(', ')})`);
    }
    this.currentId = current;
  }

  /** From configuration: `spec` as in parseKeys; the current key defaults to the first listed. */
  static from(spec: string, currentId?: string): Keyring {
    return new Keyring(parseKeys(spec), currentId || undefined);
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  seal(plaintext: string, aad: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(this.currentId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { v: 1, kid: this.currentId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  }

  /** Opens a sealed value or throws DECRYPT_FAILED saying why (`context.reason`: OpenFailure). */
  open(sealed: Sealed, aad: string): string {
    const fail = (reason: OpenFailure, message: string) => new AppError('DECRYPT_FAILED', message, { context: { reason, kid: sealed?.kid } });
    if (!sealed || sealed.v !== 1 || typeof sealed.iv !== 'string' || typeof sealed.tag !== 'string' || typeof sealed.ct !== 'string') {
      throw fail('malformed', 'ciphertext is not a v1 AES-256-GCM value');
    }
    const key = this.keys.get(sealed.kid);
    if (!key) throw fail('unknown_key', `ciphertext was sealed with key "${sealed.kid}", which is not configured`);
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw fail('malformed', 'ciphertext has a bad IV or tag length');
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw fail('authentication_failed', `ciphertext failed authentication under key "${sealed.kid}": it was altered or belongs to another record`);
    }
  }

  sealJson(value: unknown, aad: string): Sealed {
    return this.seal(JSON.stringify(value), aad);
  }

  openJson<T>(sealed: Sealed, aad: string): T {
    const text = this.open(sealed, aad);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AppError('DECRYPT_FAILED', 'decrypted value is not JSON', { context: { reason: 'malformed', kid: sealed.kid } });
    }
  }
}
