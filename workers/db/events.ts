import type { Db } from './client';
import { uuidv7 } from './ids';
import { type EventType, events } from './schema';

export type NewEvent = {
  tenantId: string;
  eventType: EventType;
  contactId?: string | null;
  campaignId?: string | null;
  sendJobId?: string | null;
  shortLinkId?: string | null;
  metadata?: Record<string, unknown>;
  createdAt?: string;
};

/** The insert for one event; pass several to db.batch() with the change they describe. */
export function eventRow(db: Db, e: NewEvent) {
  return db.insert(events).values({
    id: uuidv7(),
    tenantId: e.tenantId,
    eventType: e.eventType,
    contactId: e.contactId ?? null,
    campaignId: e.campaignId ?? null,
    sendJobId: e.sendJobId ?? null,
    shortLinkId: e.shortLinkId ?? null,
    metadata: e.metadata ?? {},
    ...(e.createdAt ? { createdAt: e.createdAt } : {}),
  });
}

export async function recordEvent(db: Db, e: NewEvent) {
  await eventRow(db, e);
}
