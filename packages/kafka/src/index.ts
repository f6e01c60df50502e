export * from './client';
export * from './admin';
