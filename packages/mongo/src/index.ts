export * from './server';
export * from './dialect';
export * from './errors';
export * from './connect';
