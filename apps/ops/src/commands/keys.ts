/**
 * `medlives keys rotate [--dry-run]`: re-seals every stored care value (and notification-service's
 * sealed deliveries and contacts) that is not under the
 * current key (ENCRYPTION_KEY_ID, else the first of ENCRYPTION_KEYS), with progress per
 * collection. The old keys must still be listed in ENCRYPTION_KEYS so their values open; once a
 * run reports 0 left and 0 failed, an old key can be removed from the Secret.
 * `medlives keys list`: the configured key ids and how many stored values each seals.
 */
import { z } from 'zod';
import { type CareDoc, SEALED_COLLECTIONS, rotateKeys } from '@medlives/care';
import { EncryptionEnv, requireKeyring } from '@medlives/crypto';
import { connectMongo } from '@medlives/mongo';
import { MongoEnv, parseConfig } from '@medlives/runtime';
// notification-service seals recipients, texts and contacts the same way (same aad spelling).
import { NOTIFICATION_SEALED_COLLECTIONS } from '../../../notification/src/store/collections';
import { UsageError, flag, onlyOptions, parseArgs } from '../args';
import type { CliDeps, CliIo } from '../context';

export const KEYS_USAGE = 'usage: medlives keys rotate [--dry-run] | medlives keys list   (MONGO_URL, ENCRYPTION_KEYS, ENCRYPTION_KEY_ID from the environment)';

const KeysEnv = z.object({ ...MongoEnv.shape, ...EncryptionEnv.shape });
/** Every collection with sealed values: care records, then notification deliveries and contacts. */
const COLLECTIONS: readonly string[] = [...SEALED_COLLECTIONS, ...NOTIFICATION_SEALED_COLLECTIONS];

export async function keysCommand(args: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const parsed = parseArgs(args, ['dry-run', 'help']);
  const [sub] = parsed.positional;
  if (flag(parsed, 'help') || !sub) {
    io.out(KEYS_USAGE);
    return sub || flag(parsed, 'help') ? 0 : 2;
  }
  if (sub !== 'rotate' && sub !== 'list') throw new UsageError(`unknown keys command "${sub}"\n${KEYS_USAGE}`);
  onlyOptions(parsed, ['dry-run', 'help']);
  const env = parseConfig(KeysEnv, deps.env ?? process.env);
  const keyring = requireKeyring(env);
  const err = io.err ?? io.out;
  const mongo = await connectMongo(env.MONGO_URL);
  try {
    if (sub === 'list') {
      for (const collection of COLLECTIONS) {
        const docs = await mongo.conn.collection<CareDoc>(collection).find({ sealed: { $exists: true } }, { projection: { 'sealed.kid': 1 } }).toArray();
        const counts = new Map<string, number>();
        for (const d of docs) counts.set(d.sealed?.kid ?? '?', (counts.get(d.sealed?.kid ?? '?') ?? 0) + 1);
        io.out(`${collection}: ${[...counts].map(([k, n]) => `${k}=${n}${keyring.has(k) ? '' : ' (not configured)'}`).join(' ') || 'empty'}`);
      }
      io.out(`current key: ${keyring.currentId}; configured: ${keyring.ids.join(', ')}`);
      return 0;
    }
    const dryRun = flag(parsed, 'dry-run');
    err(`re-sealing care records and notifications under key "${keyring.currentId}"${dryRun ? ' (dry run: nothing is written)' : ''}`);
    let last = '';
    const result = await rotateKeys(mongo.conn, keyring, {
      dryRun,
      collections: COLLECTIONS,
      onProgress: (p) => {
        const done = p.resealed + p.failed;
        // One line per collection start, every 100 records and at the end of each collection.
        if (p.total === 0 || done === p.total || done % 100 === 0 || last !== p.collection) {
          err(`  ${p.collection}: ${done}/${p.total} (${p.resealed} re-sealed, ${p.failed} failed)`);
        }
        last = p.collection;
      },
    });
    for (const f of result.failures) io.out(`FAILED ${f.collection} ${f.id}: ${f.message}`);
    io.out(`${dryRun ? 'would re-seal' : 're-sealed'} ${result.resealed} record(s) under "${keyring.currentId}"; ${result.failures.length} failed; ${result.skipped} changed meanwhile (run again)`);
    return result.failures.length > 0 ? 1 : 0;
  } finally {
    await mongo.close();
  }
}
