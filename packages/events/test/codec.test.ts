import { HEADERS, decodeEvent, encodeEvent } from '@medlives/events';
import { sampleEvent } from '@medlives/testkit';

describe('codec', () => {
  it('when an order event is encoded, then it goes to order-events keyed by tenant with all headers', () => {
    const event = sampleEvent('order.created', { tenantCode: 'pharma-042' });
    const { topic, message } = encodeEvent(event, { prefix: 'p.' });
    expect(topic).toBe('p.order-events');
    expect(message.key).toBe('pharma-042');
    expect(message.headers).toEqual({
      [HEADERS.eventType]: 'order.created',
      [HEADERS.eventVersion]: '1',
      [HEADERS.eventId]: event.eventId,
      [HEADERS.correlationId]: event.correlationId,
      [HEADERS.contentType]: 'application/json',
    });
  });

  it.each([
    ['delivery.location.update', 'delivery-tracking', 'rider-7'],
    ['stock.low', 'inventory-events', 'prod-amox'],
    ['prescription.created', 'prescription-events', 'pat-1'],
    ['data.accessed', 'audit-events', 'pat-1'],
  ] as const)('when %s is encoded, then it lands on %s keyed %s', (type, topic, key) => {
    const encoded = encodeEvent(sampleEvent(type));
    expect([encoded.topic, encoded.message.key]).toEqual([topic, key]);
  });

  it.each(['stock.reserved', 'stock.reservation_failed', 'stock.released'] as const)('when the order-level %s is encoded, then it is keyed by tenant like the order it belongs to', (type) => {
    const event = sampleEvent(type, { tenantCode: 'pharma-007' });
    const encoded = encodeEvent(event);
    expect([encoded.topic, encoded.message.key]).toEqual(['inventory-events', 'pharma-007']);
    expect(encoded.message.key).not.toBe((event.data as { productId: string }).productId);
  });

  it('when an encoded record is decoded, then the same envelope comes back', () => {
    const event = sampleEvent('status.changed');
    const { message } = encodeEvent(event);
    const decoded = decodeEvent({ key: message.key, value: Buffer.from(message.value), headers: message.headers });
    expect(decoded).toEqual({ ok: true, envelope: event });
  });

  it('when an invalid envelope is encoded, then it is refused naming the field', () => {
    const event = { ...sampleEvent('order.created'), eventId: 'nope' };
    expect(() => encodeEvent(event)).toThrow(/eventId/);
  });

  it.each([
    ['an empty value', null, 'EMPTY_VALUE'],
    ['garbage bytes', Buffer.from([0xff, 0x00, 0x13, 0x37]), 'MALFORMED_JSON'],
    ['a JSON array', '[1,2]', 'SCHEMA_INVALID'],
    ['an unknown type', JSON.stringify({ ...sampleEvent('order.created'), eventType: 'order.exploded' }), 'UNKNOWN_EVENT_TYPE'],
    ['a future version', JSON.stringify({ ...sampleEvent('order.created'), version: 99 }), 'UNSUPPORTED_VERSION'],
    ['a bad field', JSON.stringify({ ...sampleEvent('order.created'), occurredAt: 'yesterday' }), 'SCHEMA_INVALID'],
  ])('when the record holds %s, then decoding fails with %s and never throws', (_what, value, code) => {
    const result = decodeEvent({ key: null, value, headers: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  it('when the type header disagrees with the body, then it is a schema failure', () => {
    const { message } = encodeEvent(sampleEvent('order.created'));
    const result = decodeEvent({ key: null, value: message.value, headers: { ...message.headers, [HEADERS.eventType]: 'order.deleted' } });
    expect(result.ok ? 'ok' : result.code).toBe('SCHEMA_INVALID');
  });
});
