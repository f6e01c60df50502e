import { z } from 'zod';
import { Id, NonEmptyText } from './common';

const Subject = { subjectId: Id, subjectType: z.enum(['patient', 'customer', 'user', 'order']) };

export const DataAccessedData = z.strictObject({
  ...Subject,
  resource: NonEmptyText(100),
  resourceId: Id,
  purpose: NonEmptyText(200).optional(),
});
export const DataModifiedData = z.strictObject({
  ...Subject,
  resource: NonEmptyText(100),
  resourceId: Id,
  fields: z.array(NonEmptyText(100)).min(1).max(100),
});
export const LoginAttemptData = z.strictObject({
  subjectId: Id,
  subjectType: z.literal('user'),
  success: z.boolean(),
  method: z.enum(['password', 'api_key', 'sso', 'otp']),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  reason: NonEmptyText(200).optional(),
});
