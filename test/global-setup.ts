/**
 * Jest global setup for the integration project: reuse KAFKA_BROKERS / MONGO_URL when given,
 * otherwise provision (or reuse) the project's real local Kafka and MongoDB-wire server.
 * Environment set here is inherited by the test workers.
 */
import { infraUp } from '../scripts/infra';

export default async function globalSetup(): Promise<void> {
  const result = await infraUp((line) => process.stderr.write(`[infra] ${line}\n`));
  process.env.KAFKA_BROKERS = result.env.KAFKA_BROKERS;
  process.env.MONGO_URL = result.env.MONGO_URL;
  const summary = result.services.map((s) => `${s.name} ${s.state} ${s.url}`).join(', ');
  process.stderr.write(`[infra] ${summary} (${result.seconds.toFixed(1)} s)\n`);
}
