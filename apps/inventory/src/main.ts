import { runConsumerMain } from '@medlives/consumer';
import { createApp } from './app';
import { InventoryEnv } from './config';

runConsumerMain('inventory', InventoryEnv, createApp);
