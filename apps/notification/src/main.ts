import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { NotificationEnv } from './config';

runConsumerMain('notification', NotificationEnv, createApp);
