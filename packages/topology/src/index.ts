export * from './topics';
export * from './groups';
export * from './profiles';
export * from './deployables';
export * from './resolve';
