import type { ChaosReport } from './chaos';

const n = (v: number | null) => (v === null ? '—' : String(v));

/** bench/chaos-report.md: the table, the verdict, the machine and the command. */
export function renderReport(r: ChaosReport, command: string): string {
  const rows = r.faults.map(
    (f) =>
      `| ${f.fault} | ${f.accepted} | ${f.persisted} | ${f.missing} | ${f.duplicated} | ${f.poisonProduced ? `${f.poisonProduced} → ${Object.values(r.dlq).map((d) => d.poison).join(' / ')}` : '0'} | ${f.unavailable} | ${n(f.apiRecoveryS)} | ${n(f.recoveryS)} | ${f.pass ? 'pass' : '**FAIL**'} |`,
  );
  const dlq = Object.entries(r.dlq)
    .map(([g, d]) => `${g}: ${d.poison} poison${d.poisonEntries !== d.poison ? ` (in ${d.poisonEntries} entries: the DLQ is at-least-once, \`medlives dlq\` marks the extra copies duplicate and never re-drives them)` : ''}, ${d.other} other`)
    .join('; ');
  // Busy when other work already loaded the machine as the run started (1-minute load above 1.5
  // per core); the run's own load (the platform at full rate) does not count.
  const busy = (r.loadAverage.start[0] ?? 0) > 1.5 * r.cpus;
  const machine = busy
    ? `Machine: ${r.cpus} CPUs, **busy** while this ran (other work on the machine) — load average ${r.loadAverage.start.join(' / ')} at the start, ${r.loadAverage.end.join(' / ')} at the end, 1-min peak ${r.loadAverage.max1m}. Timings (recovery seconds, achieved rate) are only indicative on such a machine; the counts are not affected by load.`
    : `Machine: ${r.cpus} CPUs, quiet (nothing else running) — load average ${r.loadAverage.start.join(' / ')} at the start, ${r.loadAverage.end.join(' / ')} at the end, 1-min peak ${r.loadAverage.max1m} (the platform's own load).`;
  return [
    `# Chaos report (${r.short ? 'short' : 'full'} run ${r.runId})`,
    '',
    `Command: \`${command}\` · ${r.startedAt} → ${r.finishedAt}`,
    '',
    `**Verdict: ${r.pass ? 'PASS' : 'FAIL'}** — ${r.pass ? '0 missing, 0 duplicated, every poison record in every DLQ, every fault caught up within the bound' : r.failures.join('; ')}`,
    '',
    machine,
    '',
    `Load: ${r.ratePerSecond} orders/s requested, each followed by a status change (paid, or cancelled for every tenth), ${r.achievedOrdersPerSecond} orders/s achieved over the whole run. Recovery bound: ${r.recoveryBoundS} s from a fault's end until order-persistence and inventory-service have committed everything produced before it.`,
    '',
    '| fault | accepted (202) | persisted | missing | duplicated | poison → DLQ (persistence / inventory / notification) | 503s | API back (s) | caught up (s) | result |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Columns: accepted = writes (creates + status changes) that got 202 among the orders started during the fault; persisted = of those, found in the order\'s timeline in MongoDB; duplicated = an event applied twice, a second order or event id for one Idempotency-Key, or a rejected (illegal) transition, which this load never sends; 503s = answers the clients retried with the same key.',
    '',
    `- DLQs: ${dlq} (${r.poisonTotal} poison records produced in all).`,
    `- inventory-service: ${r.inventory.products} products, stock conserved (stock + reserved = initial): ${r.inventory.conserved ? 'yes' : '**no**'}; reserved beyond reservation records: ${r.inventory.doubleReserved}; accepted orders without a stock order: ${r.inventory.ordersWithoutStockOrder}; cancelled orders still holding stock: ${r.inventory.cancelledNotReleased}; stock orders by state ${JSON.stringify(r.inventory.stockOrders)}.`,
    `- notification-service: ${r.notification.received} deliveries at the fake provider, **${r.notification.duplicates} twice**; delivery records by state ${JSON.stringify(r.notification.deliveries)}; lag left at the end ${r.notification.lagAtEnd}.`,
    `- Worker restarts by the supervisor (SIGKILLs, crashes while Kafka was down): ${r.restarts}.`,
    '',
  ].join('\n');
}
