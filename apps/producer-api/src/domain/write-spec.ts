import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { EventType } from '@medlives/events';

/** What a write knows besides the body when it builds an event's data. */
export interface BuildContext {
  params: Record<string, string>;
  tenantCode: string;
  userId: string;
  now: Date;
  /** Current order status from the read model, when the write needs it. */
  currentStatus?: string | null;
}

/**
 * How one write turns a request into event data: the event it publishes and where the body,
 * the URL and the server put their fields. The HTTP shape (method, path) lives in routes/.
 */
export interface WriteSpec {
  readonly operationId: string;
  readonly eventType: EventType;
  /** The event data schema (validates the built data; the source of the documented body). */
  readonly dataSchema: z.ZodType;
  /** Where the body sits inside the event data: merged at the root, or under one field. */
  readonly bodyAt: 'root' | 'changes';
  /** Data fields filled from the path; a body naming them is refused. */
  readonly pathFields: Readonly<Record<string, string>>;
  /** Id field generated when the client omits it (creation endpoints). */
  readonly generatedId?: { field: string; prefix: string };
  /** The id echoed back as `<entity>Id` in the 202 body. */
  readonly entityIdField: string;
  /**
   * Data fields only the server sets (with the reason told to a client that sends one); absent
   * from the documented body. `value` fills the field, otherwise the data schema's default does.
   */
  readonly serverFields?: Readonly<Record<string, { reason: string; value?: (ctx: BuildContext) => unknown }>>;
  /** Fields a client may omit: the server fills them (e.g. orderDate = time of acceptance). */
  readonly defaults?: Readonly<Record<string, (ctx: BuildContext) => unknown>>;
  /** For bodies that are not a slice of the data schema (status changes). */
  readonly customBody?: { schema: z.ZodType; build(body: Record<string, unknown>, ctx: BuildContext): Record<string, unknown> };
  readonly needsCurrentStatus?: boolean;
}

export function newId(spec: Pick<WriteSpec, 'generatedId'>): string | undefined {
  return spec.generatedId ? `${spec.generatedId.prefix}_${randomUUID()}` : undefined;
}
