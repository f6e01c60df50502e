export * from './model';
export * from './fold';
export * from './store';
export * from './read';
export * from './rotate';
export * from './reminders';
