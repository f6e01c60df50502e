/**
 * `medlives <command>`: the operator CLI. Each command lives in src/commands/<name>.ts as
 * `(args, io, deps) => exit code`; this file only dispatches. Exit codes: 0 done, 1 refused or
 * failed, 2 bad usage.
 */
import { UsageError } from './args';
import { dlqCommand } from './commands/dlq';
import { keysCommand } from './commands/keys';
import { replayCommand } from './commands/replay';
import { statusCommand } from './commands/status';
import type { CliDeps, CliIo } from './context';

export type { CliDeps, CliIo } from './context';

export interface Command {
  readonly name: string;
  readonly summary: string;
  run(args: string[], io: CliIo, deps: CliDeps): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'status',
    summary: 'Kafka, topics, ScaledObjects and replicas in the cluster, and lag per group',
    run: (args, io, deps) => statusCommand(args, io, deps.env ? { env: deps.env } : {}),
  },
  { name: 'replay', summary: 'rewind a consumer group to a time (or earliest) to rebuild its read model', run: replayCommand },
  { name: 'dlq', summary: "inspect a group's dead letters and re-drive them", run: dlqCommand },
  { name: 'keys', summary: 'care-record encryption keys: list what each seals, rotate to the current key', run: keysCommand },
];

function help(io: CliIo): void {
  io.out('usage: medlives <command> [options]   (medlives <command> --help for details)');
  io.out('');
  for (const c of COMMANDS) io.out(`  ${c.name.padEnd(8)} ${c.summary}`);
  io.out('');
  io.out('Kafka comes from KAFKA_BROKERS, TOPIC_PREFIX and KAFKA_SASL_* / KAFKA_SSL; the cluster from kubeconfig;');
  io.out('keys: MONGO_URL, ENCRYPTION_KEYS and ENCRYPTION_KEY_ID.');
}

export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    help(io);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.out(`unknown command "${name}"`);
    help(io);
    return 2;
  }
  try {
    return await command.run(args, io, deps);
  } catch (error) {
    if (error instanceof UsageError) {
      io.out(error.message);
      return 2;
    }
    io.out(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
