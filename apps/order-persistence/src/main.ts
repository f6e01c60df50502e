import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { OrderPersistenceEnv } from './config';

runConsumerMain('order-persistence', OrderPersistenceEnv, createApp);
