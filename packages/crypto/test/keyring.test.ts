import { AppError } from '@medlives/errors';
import { Keyring, generateKey, parseKeys } from '../src';

const failure = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
};

describe('keyring (AES-256-GCM)', () => {
  const k1 = generateKey();
  const k2 = generateKey();

  it('when a value is sealed, then the key id travels with it and only its record opens it', () => {
    const ring = Keyring.from(`k1:${k1}`);
    const sealed = ring.seal('HbA1c 7.9%', 'rec-1');
    expect(sealed.kid).toBe('k1');
    expect(Buffer.from(sealed.ct, 'base64').toString('utf8')).not.toContain('HbA1c');
    expect(ring.open(sealed, 'rec-1')).toBe('HbA1c 7.9%');
    expect(failure(() => ring.open(sealed, 'rec-2')).context.reason).toBe('authentication_failed');
  });

  it('when one ciphertext byte is flipped, then opening fails with DECRYPT_FAILED naming the key, not a crash', () => {
    const ring = Keyring.from(`k1:${k1}`);
    const sealed = ring.seal('diagnosis: asthma', 'rec-1');
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] = ct[0]! ^ 0x01;
    const error = failure(() => ring.open({ ...sealed, ct: ct.toString('base64') }, 'rec-1'));
    expect(error.code).toBe('DECRYPT_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('"k1"');
    expect(error.context.reason).toBe('authentication_failed');
  });

  it('when a new key becomes current, then new values use it and old ones still open', () => {
    const old = Keyring.from(`k1:${k1}`).seal('old', 'a');
    const ring = Keyring.from(`k2:${k2},k1:${k1}`);
    expect(ring.currentId).toBe('k2');
    expect(ring.seal('new', 'b').kid).toBe('k2');
    expect(ring.open(old, 'a')).toBe('old');
    expect(Keyring.from(`k2:${k2},k1:${k1}`, 'k1').currentId).toBe('k1');
  });

  it('when the sealing key is not configured, then the error says which key is missing', () => {
    const sealed = Keyring.from(`k1:${k1}`).seal('x', 'a');
    const error = failure(() => Keyring.from(`k2:${k2}`).open(sealed, 'a'));
    expect(error.context.reason).toBe('unknown_key');
    expect(error.message).toContain('"k1"');
  });

  it('when keys are misconfigured, then CONFIG_INVALID names the entry and never the material', () => {
    expect(failure(() => parseKeys('k1:c2hvcnQ=')).message).toMatch(/"k1".*32 bytes/);
    expect(failure(() => parseKeys(`${k1}`)).message).toContain('#1');
    expect(failure(() => parseKeys(`k1:${k1},k1:${k2}`)).message).toContain('twice');
    expect(failure(() => parseKeys('')).code).toBe('CONFIG_INVALID');
    const unknownCurrent = failure(() => Keyring.from(`k1:${k1}`, 'k9'));
    expect(unknownCurrent.message).toContain('k9');
    expect(unknownCurrent.message).not.toContain(k1);
  });
});
