/**
 * npm run chaos [-- --short] [--rate N]: the chaos suite against a private Kafka and FerretDB
 * (state under $MEDLIVES_STATE/chaos, ports next to the ones of $MEDLIVES_KAFKA_PORT /
 * $MEDLIVES_MONGO_PORT), so the faults stop only these servers. Writes bench/chaos-report.md and
 * bench/results/chaos-<timestamp>.json; exits 1 when the run does not pass.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChaos } from './chaos';
import { PrivateInfra } from './platform';
import { renderReport } from './report';
import { REPO } from '../../packages/testkit/src/child';
import { STATE_DIR } from '../infra/paths';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const short = args.includes('--short');
  const rateArg = args.indexOf('--rate');
  const rate = rateArg >= 0 ? Number(args[rateArg + 1]) : short ? 2 : 200;
  const onlyArg = args.indexOf('--only');
  const only = onlyArg >= 0 ? args[onlyArg + 1]!.split(',') : undefined;
  const basePort = Number(process.env.MEDLIVES_KAFKA_PORT ?? 19092);
  const infra = new PrivateInfra({
    stateDir: join(STATE_DIR, 'chaos'),
    kafkaPort: basePort + 10,
    mongoPort: Number(process.env.MEDLIVES_MONGO_PORT ?? 27018) + 10,
  });
  const report = await runChaos({ short, ratePerSecond: rate, infra, recoveryBoundS: short ? 90 : 120, only, log: (l) => console.error(`[chaos] ${l}`) });
  const command = `npm run chaos${args.length ? ` -- ${args.join(' ')}` : ''}`;
  mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(REPO, 'bench', 'results', `chaos-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(REPO, 'bench', 'chaos-report.md'), renderReport(report, command));
  console.error(renderReport(report, command));
  return report.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
