import { TOPICS, topicForEventType } from '@medlives/topology';
import { EVENT_TYPES, type EventType, validateEnvelope } from '@medlives/events';
import { sampleData, sampleEvent } from '@medlives/testkit';

function wrongTypeFor(value: unknown): unknown {
  return typeof value === 'string' ? 12345 : 'not-the-right-type';
}

function envelopeWith(type: EventType, data: unknown): unknown {
  return { ...sampleEvent(type), data };
}

describe('event contracts', () => {
  it('when the topology and the registry are compared, then they name the same event types', () => {
    const inTopology = Object.values(TOPICS).flatMap((t) => t.eventTypes).sort();
    expect([...EVENT_TYPES].sort()).toEqual(inTopology);
    for (const type of EVENT_TYPES) expect(topicForEventType(type)).toBeDefined();
  });

  describe.each(EVENT_TYPES)('%s', (type) => {
    it('when the sample is valid, then it validates', () => {
      const result = validateEnvelope(sampleEvent(type));
      expect(result.ok ? 'ok' : result.issues).toBe('ok');
    });

    it('when any data field has the wrong type, then the issue names that field', () => {
      const sample = sampleData(type) as Record<string, unknown>;
      for (const field of Object.keys(sample)) {
        const result = validateEnvelope(envelopeWith(type, { ...sample, [field]: wrongTypeFor(sample[field]) }));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(`data.${field}`);
      }
    });

    it('when a field is unknown, then it is rejected by name', () => {
      const result = validateEnvelope(envelopeWith(type, { ...(sampleData(type) as object), surprise: 1 }));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]?.message).toContain('surprise');
    });

    it('when data is missing, then `data` is named', () => {
      const result = validateEnvelope(envelopeWith(type, undefined));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]?.path).toBe('data');
    });
  });

  it.each([
    ['eventId', 'not-a-uuid'],
    ['occurredAt', '2026-11-21T10:00:00+02:00'],
    ['tenantCode', 'x'],
    ['correlationId', ''],
    ['actor', { userId: 'u', role: 'wizard' }],
    ['version', 0],
  ])('when the envelope field %s is %p, then it is named', (field, value) => {
    const result = validateEnvelope({ ...sampleEvent('order.created'), [field]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.path.startsWith(field)).toBe(true);
  });

  it('when data.tenantCode differs from the envelope, then data.tenantCode is named', () => {
    const event = sampleEvent('order.created');
    const result = validateEnvelope({ ...event, tenantCode: 'other-tenant' });
    expect(result).toEqual({ ok: false, issues: [{ path: 'data.tenantCode', message: 'must equal the envelope tenantCode' }] });
  });

  it.each([
    ['order.created', { totalPrice: 99 }, 'data.totalPrice'],
    ['order.created', { items: [] }, 'data.items'],
    ['order.created', { deliveryDate: '2020-01-01T00:00:00.000Z' }, 'data.deliveryDate'],
    ['order.updated', { changes: {} }, 'data.changes'],
    ['order.updated', { changes: { items: sampleData('order.created').items } }, 'data.changes.totalPrice'],
    ['status.changed', { oldStatus: 'delivered', newStatus: 'pending' }, 'data.newStatus'],
    ['status.changed', { oldStatus: 'pending', newStatus: 'shipped' }, 'data.newStatus'],
    ['delivery.location.update', { lat: 91 }, 'data.lat'],
    ['delivery.location.update', { heading: 360 }, 'data.heading'],
    ['appointment.booked', { time: '25:00' }, 'data.time'],
    ['appointment.booked', { visitType: 'home' }, 'data.visitType'],
    ['prescription.created', { endDate: '2026-01-01' }, 'data.endDate'],
    ['health_record.created', { recordType: 'x-ray' }, 'data.recordType'],
    ['stock.reserved', { items: [] }, 'data.items'],
    ['login.attempt', { ip: '999.1.1.1' }, 'data.ip'],
  ] as const)('when %s has %p, then %s is named', (type, patch, path) => {
    const result = validateEnvelope(envelopeWith(type, { ...(sampleData(type) as object), ...patch }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });

  it('when a status change has an unknown old status (null), then the machine is left to the consumer', () => {
    const result = validateEnvelope(envelopeWith('status.changed', { ...(sampleData('status.changed') as object), oldStatus: null, newStatus: 'shipped' }));
    expect(result.ok).toBe(true);
  });
});
