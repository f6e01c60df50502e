export * from './keyring';
export * from './config';
