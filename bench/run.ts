/**
 * `npm run bench`: every scenario in one run, one report (bench/suite/index.ts).
 * `npm run bench -- --quick`: small sizes, same code paths (development; writes bench/results/quick/).
 * `npm run bench -- <scenario>...`: only those (broker, api, persistence, steady, scaling, groups,
 * notification, analytics). `--strict`: refuse a busy machine / exit 2 on a failed quiet check.
 */
import { parseArgs, runSuite } from './suite';

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const { exitCode } = await runSuite(options);
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
