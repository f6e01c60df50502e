import { z } from 'zod';

/** Identifiers we accept from clients: short, printable, safe in URLs, keys and logs. */
export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be 1-64 letters, digits, _ . : -');
export const TenantCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/, 'must be 2-64 letters, digits, _ -');
export const Timestamp = z.iso.datetime({ offset: false, message: 'must be an ISO-8601 UTC timestamp ending in Z' });
export const CalendarDate = z.iso.date({ message: 'must be a date YYYY-MM-DD' });
export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm');
export const Money = z.number().finite().nonnegative().max(10_000_000);
export const NonEmptyText = (max: number) => z.string().trim().min(1).max(max);
export const Phone = z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number');

/** Patches must change something: `{}` is a no-op nobody meant to send. */
export function nonEmptyPatch<T extends z.ZodRawShape>(shape: T) {
  return z
    .strictObject(shape)
    .partial()
    .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'must change at least one field' });
}
