// Which database engine the test run is on, and the one way a test says it needs a given engine.
// The suite runs against the embedded FerretDB (`npm test` here, `.ci/run`) or against any MongoDB
// given by MONGODB_URI (.github/workflows/ci.yml); docs/mongodb.md lists the engine-specific tests.
// Both global setups ask the server (buildInfo) and provide the answer as `dbEngine`.
import mongoose from 'mongoose';
import { describe, inject } from 'vitest';

export type Engine = 'ferretdb' | 'mongodb';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine behind the run's database, from its buildInfo (test/engine.ts). */
    dbEngine: Engine;
  }
}

/** The engine a `buildInfo` answer comes from: FerretDB adds `ferretdbVersion`, MongoDB does not. */
export function engineOf(buildInfo: Record<string, unknown>): Engine {
  return typeof buildInfo.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
}

/** Asks the server at `uri` what it is. */
export async function detectEngine(uri: string): Promise<Engine> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    return engineOf(await client.db('admin').command({ buildInfo: 1 }));
  } finally {
    await client.close();
  }
}

/** Why tests written for `wanted` do not run on `actual` (a line for the output), or null when they run. */
export function engineSkipReason(wanted: Engine, actual: Engine, what: string, reason: string): string | null {
  if (wanted === actual) return null;
  return `[engine] skipped on ${actual}: "${what}" runs on ${wanted} only: ${reason}`;
}

const printed = new Set<string>();

/**
 * A describe block that runs only on `engine`; elsewhere it is skipped and the reason is printed
 * once (vitest shows it under the file's name). Its name carries the engine, so the report says it too.
 */
export function describeOnEngine(engine: Engine, reason: string, name: string, body: () => void) {
  const skip = engineSkipReason(engine, inject('dbEngine'), name, reason);
  if (skip && !printed.has(skip)) {
    printed.add(skip);
    console.log(skip);
  }
  describe.skipIf(skip !== null)(`${name} (${engine} only)`, body);
}
