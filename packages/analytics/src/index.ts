export * from './facts';
export * from './store';
export * from './summary';
export * from './database';
