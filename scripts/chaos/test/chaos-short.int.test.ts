/**
 * The short chaos suite (issue 12): one round of each fault at a small load, against a Kafka and
 * FerretDB of its own (free ports, a temporary state dir), so stopping them touches no other
 * suite. `npm run chaos` is the full version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChaosReport, runChaos } from '../chaos';
import { PrivateInfra, freePort, freePortPair } from '../platform';
import { renderReport } from '../report';

describe('chaos (short): one round of each fault under load', () => {
  let report: ChaosReport;
  const stateDir = mkdtempSync(join(tmpdir(), 'medlives-chaos-'));

  beforeAll(async () => {
    const infra = new PrivateInfra({ stateDir, kafkaPort: await freePortPair(), mongoPort: await freePort() });
    report = await runChaos({ short: true, ratePerSecond: 2, infra, recoveryBoundS: 120, log: (l) => process.stderr.write(`[chaos] ${l}\n`) });
    process.stderr.write(renderReport(report, 'jest scripts/chaos/test/chaos-short.int.test.ts'));
  }, 25 * 60_000);
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('when every fault ran, then no accepted write is missing or applied twice', () => {
    expect(report.faults.map((f) => f.fault)).toEqual(['sigkill', 'kafka-restart', 'mongo-outage', 'poison', 'rebalance-storm', 'broker-latency']);
    for (const f of report.faults) {
      expect({ fault: f.fault, accepted: f.accepted > 0, missing: f.missing, duplicated: f.duplicated, examples: f.missingExamples }).toEqual({ fault: f.fault, accepted: true, missing: 0, duplicated: 0, examples: [] });
    }
  });

  it('when the broker was down or slow, then the API answered 503 (never 202 and lose) and accepted again by itself', () => {
    const byName = new Map(report.faults.map((f) => [f.fault, f]));
    expect(byName.get('kafka-restart')!.unavailable).toBeGreaterThan(0);
    expect(byName.get('broker-latency')!.unavailable).toBeGreaterThan(0);
    for (const f of report.faults) expect({ fault: f.fault, recovered: f.recoveryS !== null && f.recoveryS <= report.recoveryBoundS }).toEqual({ fault: f.fault, recovered: true });
  });

  it('when poison was produced by kcat, then every poison record is in the DLQ of every group that reads the topic', () => {
    expect(report.poisonTotal).toBeGreaterThan(0);
    for (const [group, counts] of Object.entries(report.dlq)) expect({ group, poison: counts.poison }).toEqual({ group, poison: report.poisonTotal });
  });

  it('when faults hit inventory and notification, then no stock is reserved twice and no notification is sent twice', () => {
    expect(report.inventory.conserved).toBe(true);
    expect(report.inventory.doubleReserved).toBe(0);
    expect(report.inventory.ordersWithoutStockOrder).toBe(0);
    expect(report.inventory.cancelledNotReleased).toBe(0);
    expect(report.notification.received).toBeGreaterThan(0);
    expect(report.notification.duplicates).toBe(0);
    expect(report.restarts).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
  });
});
