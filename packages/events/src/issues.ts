import type { z } from 'zod';

/** A schema violation named by its field path, e.g. `data.items.0.quantity`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export function toFieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.') || '(root)',
    message: issue.message,
  }));
}
