export * from './products';
export * from './orders';
export * from './document-lock';
