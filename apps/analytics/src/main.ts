import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { AnalyticsEnv } from './config';

runConsumerMain('analytics', AnalyticsEnv, createApp);
