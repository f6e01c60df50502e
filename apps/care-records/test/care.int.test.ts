/**
 * Issue 10 acceptance (care records), through the real API, broker and database: the owning
 * tenant reads plaintext, the database holds none, other tenants get 404 (admins 403), a new key
 * plus `medlives keys rotate` keeps old and new records readable, a flipped ciphertext byte is a
 * per-record error.
 */
import { COLLECTIONS } from '@medlives/care';
import { waitFor } from '@medlives/testkit';
import { ADMIN_KEY, type Api, type Harness, OTHER_KEY, harness, newKey } from './support/harness';

const PHONE = '+44 20 7946 0958';
const DESCRIPTION = 'Fasting glucose 7.4 mmol/L, repeat in two weeks';
const DIAGNOSIS = 'Suspected type 2 diabetes mellitus';
const REASON = 'Recurring migraine with aura';

describe('care records encrypted at rest', () => {
  let h: Harness;
  let api: Api;
  let worker: { stop(): Promise<void> };
  const k1 = newKey('k1');
  const k2 = newKey('k2');
  beforeAll(async () => {
    h = await harness('care', { ENCRYPTION_KEYS: k1 });
    worker = await h.startApp();
    api = await h.startApi(k1);
  }, 60_000);
  afterAll(() => h?.cleanup());

  const records = async (patientId: string, count: number, a = api, path = 'records') =>
    waitFor(`${count} records of ${patientId}`, async () => {
      const res = await a.request('GET', `/api/v1/patients/${patientId}/${path}`);
      return res.status === 200 && res.body.items.length === count ? res.body : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });

  it('when a clinic writes care records through the API, then it reads them in the clear and no collection holds the plaintext', async () => {
    const writes = [
      await api.write('/api/v1/appointments', { patientId: 'pat-1', doctorId: 'doc-7', date: '2027-03-01', time: '09:30', reason: REASON, visitType: 'in_person', patient: { name: 'Ada Lovelace', phone: PHONE } }),
      await api.write('/api/v1/health-records', { recordId: 'hr-1', patientId: 'pat-1', doctorId: 'doc-7', recordType: 'lab_result', description: DESCRIPTION, diagnosis: DIAGNOSIS, recordDate: '2026-11-30' }),
      await api.write('/api/v1/prescriptions', { prescriptionId: 'rx-1', patientId: 'pat-1', doctorId: 'doc-7', medication: 'Metformin 500mg', dosage: '1 tablet', frequency: 'twice daily', startDate: '2026-12-01', endDate: '2027-01-01' }),
    ];
    expect(writes.map((w) => [w.status, w.status === 202 ? '' : JSON.stringify(w.body)])).toEqual([[202, ''], [202, ''], [202, '']]);

    const page = await records('pat-1', 3);
    expect(page.contact).toEqual({ name: 'Ada Lovelace', phone: PHONE });
    const hr = page.items.find((i: { type: string }) => i.type === 'health_record');
    expect(hr).toMatchObject({ id: 'hr-1', description: DESCRIPTION, diagnosis: DIAGNOSIS, recordType: 'lab_result', keyId: 'k1' });
    expect(page.items.find((i: { type: string }) => i.type === 'appointment')).toMatchObject({ reason: REASON, status: 'scheduled', time: '09:30' });
    expect(page.items.find((i: { type: string }) => i.type === 'prescription')).toMatchObject({ medication: 'Metformin 500mg', status: 'active' });

    const perType = await api.request('GET', '/api/v1/patients/pat-1/health-records');
    expect(perType.body.items.map((i: { id: string }) => i.id)).toEqual(['hr-1']);
    // Paged one at a time, the three pages hold the three records once each.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await api.request('GET', `/api/v1/patients/pat-1/records?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen)).toEqual(new Set(page.items.map((i: { id: string }) => i.id)));

    const dump = await h.rawDump();
    expect(Object.keys(dump)).toEqual(expect.arrayContaining([COLLECTIONS.health_record, COLLECTIONS.patient, COLLECTIONS.appointment]));
    for (const [collection, docs] of Object.entries(dump)) {
      const raw = JSON.stringify(docs).toLowerCase();
      for (const secret of [DESCRIPTION, DIAGNOSIS, PHONE, PHONE.replace(/\D/g, ''), '7946 0958', REASON, 'Glucose', 'Lovelace', 'Metformin']) {
        expect({ collection, secret, found: raw.includes(secret.toLowerCase()) }).toEqual({ collection, secret, found: false });
      }
    }
    // What is stored instead: ciphertexts with their key id.
    expect(dump[COLLECTIONS.health_record]![0]).toMatchObject({ sealed: { v: 1, kid: 'k1' }, fields: { recordType: 'lab_result' } });
  });

  it('when another tenant or an admin asks for the records, then 404 / 403 and nothing is decrypted', async () => {
    const other = await api.request('GET', '/api/v1/patients/pat-1/records', { key: OTHER_KEY });
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('glucose');
    for (const path of ['appointments', 'prescriptions', 'health-records']) {
      expect((await api.request('GET', `/api/v1/patients/pat-1/${path}`, { key: OTHER_KEY })).status).toBe(404);
    }
    const admin = await api.request('GET', '/api/v1/patients/pat-1/records', { key: ADMIN_KEY });
    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe('FORBIDDEN');
    expect((await api.request('GET', '/api/v1/patients/bad%20id/records')).status).toBe(422);
    expect((await api.request('GET', '/api/v1/patients/pat-1/records?limit=0')).status).toBe(422);
  });

  it('when a new key is added and the records are rotated, then old and new records read back, and with only the new key', async () => {
    // Deploy the new key first in the list (current), the old one still listed.
    await Promise.all([worker.stop(), api.stop()]);
    await h.startApp({ ENCRYPTION_KEYS: `${k2},${k1}` });
    const both = await h.startApi(`${k2},${k1}`);
    const write = await both.write('/api/v1/health-records', { recordId: 'hr-2', patientId: 'pat-1', doctorId: 'doc-7', recordType: 'diagnosis', description: 'Follow-up: glucose normal', recordDate: '2026-12-15' });
    expect(write.status).toBe(202);
    const mixed = await records('pat-1', 2, both, 'health-records');
    expect(Object.fromEntries(mixed.items.map((i: { id: string; keyId: string }) => [i.id, i.keyId]))).toEqual({ 'hr-1': 'k1', 'hr-2': 'k2' });
    expect(mixed.items.find((i: { id: string }) => i.id === 'hr-1').description).toBe(DESCRIPTION);

    const rotated = await h.cli(`${k2},${k1}`, 'keys', 'rotate');
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.err).toMatch(/care_health_records: 1\/1 \(1 re-sealed, 0 failed\)/);
    expect(rotated.err).toMatch(/care_patients: 1\/1/);
    expect(rotated.out).toMatch(/re-sealed 4 record\(s\) under "k2"; 0 failed/);
    const kids = Object.values(await h.rawDump()).flat().map((d) => (d as { sealed?: { kid: string } }).sealed?.kid).filter(Boolean);
    expect(new Set(kids)).toEqual(new Set(['k2']));
    expect((await h.cli(`${k2},${k1}`, 'keys', 'rotate')).out).toMatch(/re-sealed 0 record/);

    const onlyNew = await h.startApi(k2);
    const page = await records('pat-1', 4, onlyNew);
    expect(page.items.every((i: { keyId: string; error?: unknown }) => i.keyId === 'k2' && !i.error)).toBe(true);
    expect(page.items.find((i: { id: string }) => i.id === 'hr-1').description).toBe(DESCRIPTION);
    expect(page.contact.phone).toBe(PHONE);
  });

  it('when one ciphertext byte is flipped, then that record reads with a clear error, the others decrypt, and rotate reports it', async () => {
    const coll = h.conn.collection(COLLECTIONS.health_record);
    const doc = (await coll.findOne({ entityId: 'hr-1' }))!;
    const ct = Buffer.from(doc.sealed.ct, 'base64');
    ct[3] = ct[3]! ^ 0x20;
    await coll.updateOne({ _id: doc._id }, { $set: { 'sealed.ct': ct.toString('base64'), 'sealed.kid': 'k1' } });
    await coll.updateOne({ _id: doc._id }, { $set: { 'sealed.kid': 'k2' } });

    const reader = await h.startApi(k2);
    const res = await reader.request('GET', '/api/v1/patients/pat-1/health-records');
    expect(res.status).toBe(200);
    const broken = res.body.items.find((i: { id: string }) => i.id === 'hr-1');
    expect(broken.error).toMatchObject({ code: 'DECRYPT_FAILED', reason: 'authentication_failed' });
    expect(broken.error.message).toMatch(/health_record hr-1: .*altered/);
    expect(broken.description).toBeUndefined();
    expect(res.body.items.find((i: { id: string }) => i.id === 'hr-2').description).toBe('Follow-up: glucose normal');

    // Under an old key id it is picked up by rotation, reported by record, and the pass goes on.
    await coll.updateOne({ _id: doc._id }, { $set: { 'sealed.kid': 'k1' } });
    const rotated = await h.cli(`${k2},${k1}`, 'keys', 'rotate');
    expect(rotated.code).toBe(1);
    expect(rotated.out).toContain(`FAILED ${COLLECTIONS.health_record} ${doc._id}: ciphertext failed authentication under key "k1"`);
    expect(rotated.out).toMatch(/re-sealed 0 record\(s\) under "k2"; 1 failed/);
  });
});
