import { Kafka, logLevel } from 'kafkajs';
const k = new Kafka({ brokers: ['127.0.0.1:23202'], logLevel: logLevel.NOTHING });
(async () => {
  const a = k.admin(); await a.connect();
  for (const g of ['order-persistence-service', 'inventory-service', 'notification-service']) {
    const out: string[] = [];
    for (const t of ['order-events', 'status-updates']) {
      const ends = await a.fetchTopicOffsets(t);
      const c = (await a.fetchOffsets({ groupId: g, topics: [t] }))[0]!.partitions;
      for (const e of ends) out.push(`${t[0]}${e.partition}:${e.high}/${c.find((p) => p.partition === e.partition)?.offset}`);
    }
    console.log(g, out.join(' '));
  }
  await a.disconnect();
})().catch((e) => console.error(String(e)));
