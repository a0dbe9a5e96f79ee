// Personal API tokens (docs/api.md): issued on the tokens page, shown once, stored as a SHA-256,
// scoped read or write, revocable, with the time of their last use. A token acts as its user: the
// user's current role and the same scoping as the pages decide what it may read or write.
import crypto from 'node:crypto';
import { z } from 'zod';
import { ApiToken, API_TOKEN_SCOPES, type ApiTokenScope } from '#models/api-token';
import { recordAudit } from '#models/audit-event';
import { User } from '#models/user';
import { may } from '#app/auth/permissions';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';

/** Every token starts with this, so secret scanners and people recognise a leaked one. */
export const TOKEN_PREFIX = 'kept_';
const TOKEN_SHAPE = /^kept_([a-f0-9]{24})_([A-Za-z0-9_-]{43})$/;
/** How often the last-used time is written at most (a busy integration does not write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

export const TokenFormSchema = z.object({
  name: z.string().trim().min(1, 'Name the token after what will use it, e.g. “Warehouse sync”.').max(60, 'Use at most 60 characters.'),
  scope: z.enum(API_TOKEN_SCOPES, { error: 'Choose read or read and write.' }),
});
export type TokenForm = z.infer<typeof TokenFormSchema>;

export const RevokeFormSchema = z.object({ tokenId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a token.') });

/** Whether `user` may hold a token of this scope: write only for roles that may record deals. */
export const mayHoldScope = (role: SessionUser['role'], scope: ApiTokenScope) => scope === 'read' || may(role, 'deals.record');

export type IssueResult = { ok: true; token: string; id: string } | { ok: false; errors: Record<string, string[]> };

/** Creates a token for `user`; the raw token is in the answer and nowhere else (not stored, not logged). */
export async function issueToken({ user, input, now = new Date() }: { user: SessionUser; input: TokenForm; now?: Date }): Promise<IssueResult> {
  if (!mayHoldScope(user.role, input.scope)) return { ok: false, errors: { scope: ['Your role may read through the API but not record deals: choose read.'] } };
  const doc = new ApiToken({ userId: user.id, name: input.name, scope: input.scope, secretHash: 'pending', createdAt: now, updatedAt: now });
  const token = `${TOKEN_PREFIX}${String(doc._id)}_${crypto.randomBytes(32).toString('base64url')}`;
  doc.secretHash = sha256(token);
  await doc.save();
  await recordAudit({ actorId: user.id, action: 'api-token.created', entityType: 'api-token', entityId: doc._id, data: { name: input.name, scope: input.scope }, now });
  return { ok: true, token, id: String(doc._id) };
}

export type TokenRow = {
  id: string;
  name: string;
  scope: ApiTokenScope;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  owner: { id: string; name: string; email: string } | null;
};

/** The user's own tokens, newest first; with `everyone` (admins), every user's. Never the hash. */
export async function listTokens({ user, everyone = false }: { user: SessionUser; everyone?: boolean }): Promise<TokenRow[]> {
  if (everyone && !may(user.role, 'apiTokens.manage')) throw new Response('Only admins see every token.', { status: 403 });
  const rows = await ApiToken.find(everyone ? {} : { userId: user.id })
    .select('userId name scope createdAt lastUsedAt revokedAt')
    .sort({ createdAt: -1, _id: -1 })
    .limit(500)
    .lean();
  const ownerIds = [...new Set(rows.map((r) => String(r.userId)))];
  const owners = everyone
    ? await User.find({ _id: trusted({ $in: ownerIds }) })
        .select('name email')
        .lean()
    : [];
  const ownerOf = new Map(owners.map((o) => [String(o._id), { id: String(o._id), name: o.name, email: o.email }]));
  return rows.map((r) => ({
    id: String(r._id),
    name: r.name,
    scope: r.scope as ApiTokenScope,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    owner: everyone ? (ownerOf.get(String(r.userId)) ?? null) : null,
  }));
}

/**
 * Revokes one token: the user's own, or (admins) anyone's. One conditional write whose filter states
 * the precondition (not yet revoked, and the caller's own unless an admin). False when there was
 * nothing to revoke (unknown, someone else's, or revoked already).
 */
export async function revokeToken({ user, tokenId, now = new Date() }: { user: SessionUser; tokenId: string; now?: Date }) {
  const filter: Record<string, unknown> = { _id: tokenId, revokedAt: null };
  if (!may(user.role, 'apiTokens.manage')) filter.userId = user.id;
  // No projection: FerretDB 1.24 does not implement one on findAndModify.
  const token = await ApiToken.findOneAndUpdate(filter, { $set: { revokedAt: now, revokedById: user.id } }, { returnDocument: 'after' }).lean();
  if (!token) return { ok: false as const };
  await recordAudit({ actorId: user.id, action: 'api-token.revoked', entityType: 'api-token', entityId: tokenId, data: { name: token.name, ownerId: String(token.userId) }, now });
  return { ok: true as const, name: token.name };
}

export type Authenticated = { ok: true; user: SessionUser; token: { id: string; scope: ApiTokenScope } };
export type Refused = { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' | 'inactive' };

/**
 * The user and scope behind `Authorization: Bearer <token>`. Unknown, revoked and a deactivated
 * user's tokens are refused alike to the caller (the reason is for the logs). Marks the token used.
 */
export async function authenticateToken(header: string | null, now = new Date()): Promise<Authenticated | Refused> {
  if (!header) return { ok: false, reason: 'missing' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const shape = match ? TOKEN_SHAPE.exec(match[1]) : null;
  if (!match || !shape) return { ok: false, reason: 'malformed' };
  const token = await ApiToken.findById(shape[1]).select('userId scope secretHash lastUsedAt revokedAt').lean();
  if (!token || !crypto.timingSafeEqual(Buffer.from(token.secretHash), Buffer.from(sha256(match[1])))) return { ok: false, reason: 'unknown' };
  if (token.revokedAt) return { ok: false, reason: 'revoked' };
  const user = await User.findOne({ _id: token.userId, active: true }).select('email name role').lean();
  if (!user) return { ok: false, reason: 'inactive' };
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional: of two concurrent requests one writes; the time never goes backwards.
    await ApiToken.updateOne({ _id: token._id, $or: [{ lastUsedAt: null }, { lastUsedAt: trusted({ $lt: now }) }] }, { $set: { lastUsedAt: now } });
  }
  return { ok: true, user: { id: String(user._id), email: user.email, name: user.name, role: user.role }, token: { id: String(token._id), scope: token.scope as ApiTokenScope } };
}
