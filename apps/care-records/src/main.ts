import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { CareRecordsEnv } from './config';

runConsumerMain('care-records', CareRecordsEnv, createApp);
