import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { AuditEnv } from './config';

runConsumerMain('audit', AuditEnv, createApp);
