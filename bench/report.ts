import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export function machine(): Record<string, string | number> {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** Writes bench/results/<name>.json (raw numbers) and .md (the table people read). */
export function writeReport(name: string, data: Record<string, unknown>, markdown: string): void {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamped = { name, at: new Date().toISOString(), machine: machine(), ...data };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(stamped, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), `# Benchmark: ${name}\n\nRun ${stamped.at} on ${JSON.stringify(stamped.machine)}.\n\n${markdown}\n`);
  console.log(markdown);
}
