import { z } from 'zod';
import { mongoDatabaseName } from '@medlives/runtime';

/** Where the analytics database lives: never the orders database. */
export const AnalyticsDbEnv = z.object({
  /** The analytics database; by default the MONGO_URL server with `<database>_analytics`. */
  ANALYTICS_MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL').optional(),
});

/** ANALYTICS_MONGO_URL, or MONGO_URL with its database name suffixed `_analytics`. */
export function analyticsMongoUrl(env: { ANALYTICS_MONGO_URL?: string | undefined; MONGO_URL: string }): string {
  if (env.ANALYTICS_MONGO_URL) return env.ANALYTICS_MONGO_URL;
  const name = mongoDatabaseName(env.MONGO_URL);
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/.exec(env.MONGO_URL);
  if (!m) throw new Error('MONGO_URL is not a mongodb:// URL');
  return `${m[1]}/${encodeURIComponent(`${name}_analytics`)}${m[3] ?? ''}`;
}

/** IANA zones per tenant, `{"pharma-001":"Europe/Berlin"}`; figures are also kept in that calendar. */
export const TenantTimeZones = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      const parsed = z.record(z.string(), z.string()).parse(JSON.parse(text));
      for (const [tenant, zone] of Object.entries(parsed)) {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
        } catch {
          ctx.addIssue({ code: 'custom', message: `unknown time zone ${zone} for ${tenant}` });
          return z.NEVER;
        }
      }
      return parsed;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object {"tenant":"Area/City"}' });
      return z.NEVER;
    }
  });
