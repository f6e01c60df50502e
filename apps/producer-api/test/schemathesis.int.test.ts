import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, type ApiHarness, startApi } from './harness';

const ST = join(process.env.MEDLIVES_CACHE ?? join(homedir(), '.cache', 'medlives'), 'venv', 'bin', 'st');
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'response_headers_conformance'];

/**
 * Schemathesis (property-based, from PyPI; installed by scripts/python-tools.sh) against the
 * served OpenAPI document: no 5xx, and every response conforms to the document. It runs with
 * the admin key so generated tenant codes are accepted and bodies reach the publisher.
 */
describe('the OpenAPI document under Schemathesis', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    if (!existsSync(ST)) throw new Error(`Schemathesis missing at ${ST}: run bash scripts/python-tools.sh`);
    // Long polls are bounded lower here so generated timeouts do not dominate the run; the
    // document states the configured bound, so it stays truthful.
    api = await startApi({ ORDER_WAIT_MAX_MS: '1000' });
  });
  afterAll(() => api?.close());

  it('when every operation is exercised, then no check fails', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'schemathesis-'));
    const args = ['run', `${api.base}/api/v1/openapi.json`, '-H', `Authorization: Bearer ${ADMIN_KEY}`, '--checks', CHECKS.join(','), '--max-examples', process.env.SCHEMATHESIS_EXAMPLES ?? '25', '--seed', '20261121', '--no-color', '--report', 'junit', '--report-junit-path', join(reportDir, 'junit.xml')];
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(ST, args, { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
      );
    });
    const junit = readFileSync(join(reportDir, 'junit.xml'), 'utf8');
    const testcases = (junit.match(/<testcase /g) ?? []).length;
    expect(testcases).toBeGreaterThanOrEqual(17);
    expect({ code: result.code, tail: result.code === 0 ? '' : result.output.slice(-4000) }).toEqual({ code: 0, tail: '' });
  });
});
