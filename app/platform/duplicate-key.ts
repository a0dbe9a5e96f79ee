// Its own module so claims.server.ts can use it without importing db.server.ts, which folds the
// legacy rollups through metrics.server.ts and claims.server.ts at connect (an import cycle).

/** Whether a write was refused by a unique index (E11000): how an insert learns it was not first. */
export const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === 11000;
