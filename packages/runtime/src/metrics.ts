import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, passed down explicitly (tests build their own). */
export function createRegistry(app: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'medlives_' });
  return registry;
}
