import { checkKedaAddresses, type ClusterSnapshot, type StatusRow } from '../src/commands/status';

const listing = <T>(items: T[]) => ({ ok: true as const, items });

function snapshot(bootstrapServers: string): ClusterSnapshot {
  const so = {
    metadata: { name: 'order-persistence' },
    spec: { triggers: [{ type: 'kafka', metadata: { bootstrapServers, topic: 'order-events' } }] },
  };
  return {
    namespace: 'medlives',
    server: 'https://127.0.0.1:16443',
    context: 'test',
    kafkas: listing([]),
    nodePools: listing([]),
    topics: listing([]),
    scaledObjects: listing([so]),
    deployments: listing([]),
    hpas: listing([]),
  } as unknown as ClusterSnapshot;
}

const row: StatusRow = { kind: 'ScaledObject', name: 'order-persistence', ready: true, detail: 'active=True, replicas 1/1 (min 1, max 6)' };

describe('medlives status: KEDA bootstrap address', () => {
  it('when a kafka trigger names the bootstrap Service by its short name, then the ScaledObject is not ready and says why', () => {
    const [checked] = checkKedaAddresses(snapshot('medlives-kafka-bootstrap:9092'), [row]);
    expect(checked?.ready).toBe(false);
    expect(checked?.detail).toMatch(/bootstrapServers medlives-kafka-bootstrap:9092 is not namespace-qualified/);
  });

  it('when it is namespace-qualified (as k8s/dev and k8s/prod render it), then the row is unchanged', () => {
    expect(checkKedaAddresses(snapshot('medlives-kafka-bootstrap.medlives.svc:9093'), [row])).toEqual([row]);
  });
});
