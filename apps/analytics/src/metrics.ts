import { Counter, Gauge, type Registry } from 'prom-client';

export interface AnalyticsMetrics {
  readonly events: Counter;
  readonly writeCommands: Counter;
  readonly readCommands: Counter;
  readonly factsWritten: Counter;
  readonly conflicts: Counter;
}

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Metrics of the analytics sink, get-or-create by name on the app's registry. */
export function analyticsMetrics(registry: Registry): AnalyticsMetrics {
  const counter = (name: string, help: string) => getOrCreate(registry, name, () => new Counter({ name, help, registers: [registry] }));
  const m: AnalyticsMetrics = {
    events: counter('medlives_analytics_events_total', 'Order and status events merged into the analytics facts'),
    writeCommands: counter('medlives_analytics_write_commands_total', 'Database write commands (bulkWrite) sent to the analytics database'),
    readCommands: counter('medlives_analytics_read_commands_total', 'Database read commands sent to load facts'),
    factsWritten: counter('medlives_analytics_facts_written_total', 'Order fact documents inserted or replaced'),
    conflicts: counter('medlives_analytics_write_conflicts_total', 'Batches re-merged because another member changed a fact first'),
  };
  getOrCreate(registry, 'medlives_analytics_write_commands_per_1000_events', () =>
    new Gauge({
      name: 'medlives_analytics_write_commands_per_1000_events',
      help: 'Write commands per 1,000 events since start (the bulk-write reduction)',
      registers: [registry],
      async collect() {
        const events = (await m.events.get()).values[0]?.value ?? 0;
        const writes = (await m.writeCommands.get()).values[0]?.value ?? 0;
        this.set(events ? (writes * 1000) / events : 0);
      },
    }),
  );
  return m;
}
