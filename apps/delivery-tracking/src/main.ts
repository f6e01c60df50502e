import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { DeliveryTrackingEnv } from './config';

runConsumerMain('delivery-tracking', DeliveryTrackingEnv, createApp);
