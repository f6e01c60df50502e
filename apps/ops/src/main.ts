import { runMain } from '@medlives/runtime';
import { runCli } from './cli';

void runMain('medlives', async () => {
  const code = await runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  // Kafka clients may leave sockets behind a failure; the answer is in the exit code.
  process.exit(code);
});
