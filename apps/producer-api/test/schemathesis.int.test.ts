import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_ROUTES } from '../src/routes/write-routes';
import { type ApiHarness, startApi, TENANT_KEY } from './harness';

const ST = join(process.env.MEDLIVES_CACHE ?? join(homedir(), '.cache', 'medlives'), 'venv', 'bin', 'st');

/**
 * Every check and every phase runs. The only exclusions, each narrow (one check, named
 * operations, one extra status) and for a reason the document states:
 * - write operations: a schema-valid request may get 422 when its Idempotency-Key was already
 *   used with a different body (IETF draft-ietf-httpapi-idempotency-key-header: 422), which
 *   generated requests do as they reuse simple key values; and for createOrder, updateOrder,
 *   createPrescription, updatePrescription when a cross-field rule the body's `description`
 *   states in words (totals, date order) is broken — the 422 names the field.
 * - validateOrder: createOrder's body and its cross-field rule (stated in words in the same
 *   `description`); the 422 names the field.
 * - listOrders: `cursor` is opaque; only a `nextCursor` the API returned is valid (422 otherwise).
 * - listNotifications: exactly one of `orderId` / `patientId` is required, a rule between two
 *   parameters that OpenAPI parameters cannot state; the operation's description says it and the
 *   422 names it.
 * - analyticsSummary: `from` must not be after `to` and the range may span at most 366 days, a
 *   rule between two parameters stated in the operation's description; the 422 names `query.from`.
 * The delivery reads (location, SSE stream) and the audit trail run with every check, no exclusion:
 * a stream of an order with a position is closed after SSE_MAX_STREAM_MS (1 s here), and a tenant
 * key gets the documented 403 from the audit trail.
 */
function config(): string {
  const writes = WRITE_ROUTES.map((r) => r.operationId).join('|');
  const with422 = '["2xx", "401", "403", "404", "409", "422", "429", "5xx"]';
  return [
    '[[operations]]',
    `include-operation-id-regex = "^(${writes}|validateOrder|listOrders|listNotifications|getDeliveryLocation|watchDelivery|listAudit|analyticsSummary)$"`,
    `checks.positive_data_acceptance.expected-statuses = ${with422}`,
    '',
  ].join('\n');
}

/**
 * Schemathesis (property-based, from PyPI; installed by scripts/python-tools.sh) with all checks
 * and phases (examples, coverage, fuzzing, stateful) against the served OpenAPI document, tried
 * as a new user would: with a tenant's key.
 */
describe('the OpenAPI document under Schemathesis', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    if (!existsSync(ST)) throw new Error(`Schemathesis missing at ${ST}: run bash scripts/python-tools.sh`);
    // Long polls are bounded lower here so generated timeouts do not dominate the run; the
    // document states the configured bound, so it stays truthful.
    // Likewise a delivery stream (200 once a generated location was posted) closes after 1 s.
    api = await startApi({ ORDER_WAIT_MAX_MS: '1000', SSE_MAX_STREAM_MS: '1000' });
  });
  afterAll(() => api?.close());

  it('when every operation is exercised with all checks and phases, then no check fails', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'schemathesis-'));
    const configFile = join(reportDir, 'schemathesis.toml');
    writeFileSync(configFile, config());
    // Bounded to keep the run short (24 operations; it took over 5 min at load average ~20 on 2 cores); raise it locally.
    const examples = process.env.SCHEMATHESIS_EXAMPLES ?? '10';
    const args = ['--config-file', configFile, 'run', `${api.base}/api/v1/openapi.json`, '-H', `Authorization: Bearer ${TENANT_KEY}`, '--checks', 'all', '--phases', 'examples,coverage,fuzzing,stateful', '--max-examples', examples, '--seed', '20261121', '--no-color', '--report', 'junit', '--report-junit-path', join(reportDir, 'junit.xml')];
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(ST, args, { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
      );
    });
    const junit = readFileSync(join(reportDir, 'junit.xml'), 'utf8');
    const testcases = (junit.match(/<testcase /g) ?? []).length;
    expect(testcases).toBeGreaterThanOrEqual(21);
    expect({ code: result.code, tail: result.code === 0 ? '' : result.output.slice(-4000) }).toEqual({ code: 0, tail: '' });
  }, 600_000);
});
