import { Schema, type InferSchemaType, type Types } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

// Append-only: nothing in Kept updates or deletes an AuditEvent.
const AuditEventSchema = new Schema(
  {
    actorId: { type: Schema.Types.ObjectId, ref: 'User' },
    action: { type: String, required: true },
    entityType: { type: String, required: true },
    entityId: { type: String, required: true },
    at: { type: Date, required: true },
    data: { type: Schema.Types.Mixed },
  },
  { timestamps: false, minimize: false },
);
AuditEventSchema.index({ entityType: 1, entityId: 1, at: -1 });
AuditEventSchema.index({ at: -1 });

export type AuditEventDoc = InferSchemaType<typeof AuditEventSchema>;
// Every write is recorded in the 'audit' change feed (detail pages find children in memory, then read them by _id).
AuditEventSchema.plugin(changeFeed('audit'));

export const AuditEvent = defineModel('AuditEvent', AuditEventSchema);

/** Records who changed what; `now` is passed in so tests can pin the clock. */
export async function recordAudit(input: { actorId?: string | Types.ObjectId; action: string; entityType: string; entityId: unknown; data?: Record<string, unknown>; now?: Date }) {
  await AuditEvent.create({
    actorId: input.actorId,
    action: input.action,
    entityType: input.entityType,
    entityId: String(input.entityId),
    at: input.now ?? new Date(),
    data: input.data,
  });
}
