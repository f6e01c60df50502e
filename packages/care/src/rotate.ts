import type { Connection } from 'mongoose';
import type { Keyring } from '@medlives/crypto';
import { AppError } from '@medlives/errors';
import { mongoAppError } from '@medlives/mongo';
import { type CareDoc, SEALED_COLLECTIONS, aadOf } from './model';

export interface RotationProgress {
  readonly collection: string;
  /** Records of this collection under an old key when the pass started. */
  readonly total: number;
  readonly resealed: number;
  readonly failed: number;
}

export interface RotationFailure {
  readonly collection: string;
  readonly id: string;
  readonly message: string;
}

export interface RotationResult {
  readonly resealed: number;
  /** Changed by a writer between our read and our write; the next run picks them up. */
  readonly skipped: number;
  readonly failures: RotationFailure[];
  readonly byCollection: Record<string, { total: number; resealed: number; failed: number }>;
}

export interface RotateOptions {
  /** Called after each record (throttled by the caller if it wishes). */
  readonly onProgress?: (p: RotationProgress) => void;
  /** Report what would be re-sealed without writing. */
  readonly dryRun?: boolean;
  /**
   * Collections holding a `sealed` value under `aadOf(collection, _id)`. @default SEALED_COLLECTIONS
   * (the ops CLI adds notification-service's deliveries and contacts).
   */
  readonly collections?: readonly string[];
}

/**
 * Re-seals every stored value that is not under the keyring's current key: open with its own
 * key, seal with the current one, write back only if the record is still the revision read (a
 * concurrent care-records write wins and already sealed under the current key). A value that does
 * not open — altered, or its key is no longer configured — is reported by record and left as is;
 * the pass goes on. Running it again is harmless: records already under the current key are not
 * touched.
 */
export async function rotateKeys(conn: Connection, keyring: Keyring, options: RotateOptions = {}): Promise<RotationResult> {
  const failures: RotationFailure[] = [];
  const byCollection: RotationResult['byCollection'] = {};
  let skipped = 0;
  let resealed = 0;
  for (const collection of options.collections ?? SEALED_COLLECTIONS) {
    const coll = conn.collection<CareDoc>(collection);
    // `$exists`: rows that never held a sealed value (notification rows from before sealing) are not this pass's.
    const filter = { sealed: { $exists: true }, 'sealed.kid': { $ne: keyring.currentId } };
    let total: number;
    try {
      total = await coll.countDocuments(filter);
    } catch (error) {
      throw mongoAppError(error, { op: 'rotate count', collection });
    }
    const stats = { total, resealed: 0, failed: 0 };
    byCollection[collection] = stats;
    if (total === 0) {
      options.onProgress?.({ collection, ...stats });
      continue;
    }
    const cursor = coll.find(filter, { projection: { _id: 1, sealed: 1, rev: 1 } });
    for await (const doc of cursor) {
      const aad = aadOf(collection, doc._id);
      try {
        const sealed = keyring.seal(keyring.open(doc.sealed, aad), aad);
        if (!options.dryRun) {
          const filterRev = doc.rev === undefined ? { _id: doc._id, 'sealed.kid': doc.sealed.kid } : { _id: doc._id, rev: doc.rev };
          const write = await coll.updateOne(filterRev, { $set: { sealed } });
          if (write.matchedCount === 0) skipped++;
          else stats.resealed++;
        } else stats.resealed++;
      } catch (error) {
        if (!AppError.is(error, 'DECRYPT_FAILED')) throw mongoAppError(error, { op: 'rotate write', collection });
        stats.failed++;
        failures.push({ collection, id: doc._id, message: error.message });
      }
      options.onProgress?.({ collection, ...stats });
    }
    resealed += stats.resealed;
  }
  return { resealed, skipped, failures, byCollection };
}
