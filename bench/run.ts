/**
 * `npm run bench -- <name>`: runs one benchmark (or all) against the real local infra, prints
 * the numbers and writes bench/results/<name>.json and .md.
 */
import { infraUp } from '../scripts/infra';

const BENCHES: Record<string, () => Promise<unknown>> = {
  api: async () => (await import('./api')).runApiBench(),
  persistence: async () => (await import('./persistence')).runPersistenceBench(),
  notification: async () => (await import('./notification')).runNotificationBench(),
  analytics: async () => (await import('./analytics')).runAnalyticsBench(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  const infra = await infraUp((line) => console.error(`[infra] ${line}`));
  Object.assign(process.env, infra.env);
  for (const name of names) {
    console.error(`\n=== bench ${name} ===`);
    await BENCHES[name]!();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
