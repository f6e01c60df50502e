export * from './client';
export * from './admin';
export * from './compression';
