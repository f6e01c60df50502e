import { z } from 'zod';
import { AnalyticsDbEnv, TenantTimeZones } from '@medlives/analytics';
import { ConsumerEnv } from '@medlives/consumer';
import { MongoAppEnv } from '@medlives/mongo';

/** Environment of analytics-service; main.ts parses it once (STYLE habit 2). */
export const AnalyticsEnv = z.object({
  ...ConsumerEnv.shape,
  ...MongoAppEnv.shape,
  ...AnalyticsDbEnv.shape,
  /** `{"pharma-001":"Europe/Berlin"}`: such tenants' figures are also kept in their own calendar. */
  ANALYTICS_TENANT_TIMEZONES: TenantTimeZones,
});
export type AnalyticsConfig = z.output<typeof AnalyticsEnv>;
