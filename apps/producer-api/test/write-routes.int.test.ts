import { HEADERS, validateEnvelope } from '@medlives/events';
import { topicForEventType } from '@medlives/topology';
import { WRITE_ROUTES } from '../src/routes/write-routes';
import { malformedRequest, validRequest } from './bodies';
import { type ApiHarness, startApi } from './harness';

describe('producer API write endpoints (real Kafka + MongoDB-wire)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  describe.each(WRITE_ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s', (_name, route) => {
    it(`when the request is valid, then 202 comes after Kafka holds one ${route.eventType} with key, headers and a valid envelope`, async () => {
      const before = await api.metric('medlives_events_accepted_total', { event_type: route.eventType });
      const { path, body, entityId } = validRequest(route);
      const res = await api.request(route.method.toUpperCase(), path, { body, headers: { 'x-correlation-id': `corr-${entityId}` } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ eventId: expect.any(String), [route.entityIdField]: entityId, status: 'accepted', correlationId: `corr-${entityId}` });

      const record = await api.recorder.waitForEvent(res.body.eventId);
      const topic = topicForEventType(route.eventType)!;
      expect(record.topic).toBe(topic.name);
      expect(record.decoded.ok).toBe(true);
      if (!record.decoded.ok) return;
      const envelope = record.decoded.envelope;
      expect(validateEnvelope(envelope).ok).toBe(true);
      expect(envelope).toMatchObject({ eventType: route.eventType, tenantCode: 'pharma-001', correlationId: `corr-${entityId}`, source: 'producer-api' });
      const [scope, field] = topic.key.split('.') as [string, string];
      expect(record.key).toBe(String((scope === 'envelope' ? envelope : (envelope.data as Record<string, unknown>))[field as never]));
      expect(record.headers).toMatchObject({ [HEADERS.eventType]: route.eventType, [HEADERS.eventVersion]: '1', [HEADERS.correlationId]: `corr-${entityId}`, [HEADERS.contentType]: 'application/json' });
      expect(api.recorder.byEventId(res.body.eventId)).toHaveLength(1);
      expect(await api.metric('medlives_events_accepted_total', { event_type: route.eventType })).toBe(before + 1);
    });

    it('when a field has the wrong type, then 422 names it and nothing is published', async () => {
      const before = api.recorder.records.length;
      const { path, body, field } = malformedRequest(route);
      const res = await api.request(route.method.toUpperCase(), path, { body });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('SCHEMA_INVALID');
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
      await api.expectNothingPublishedSince(before);
    });
  });
});
