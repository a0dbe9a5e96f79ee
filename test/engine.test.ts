// The engine switch of the suite (test/engine.ts): which tests run where, and where the answer comes from.
import { expect, inject, test } from 'vitest';
import { detectEngine, engineOf, engineSkipReason } from './engine';

test('a block for one engine runs on that engine and is skipped on the other, with the reason', () => {
  expect(engineSkipReason('ferretdb', 'ferretdb', 'plans', 'reads SQLite query plans')).toBeNull();
  expect(engineSkipReason('mongodb', 'mongodb', 'indexes', 'all of them')).toBeNull();
  expect(engineSkipReason('ferretdb', 'mongodb', 'plans', 'reads SQLite query plans')).toBe('[engine] skipped on mongodb: "plans" runs on ferretdb only: reads SQLite query plans');
  expect(engineSkipReason('mongodb', 'ferretdb', 'indexes', 'all of them')).toBe('[engine] skipped on ferretdb: "indexes" runs on mongodb only: all of them');
});

test('the engine is what the server says in buildInfo', async () => {
  // FerretDB 1.24.2 answers buildInfo with MongoDB's fields (version 7.0.42) plus its own version.
  expect(engineOf({ version: '7.0.42', ferretdbVersion: 'v1.24.2', ok: 1 })).toBe('ferretdb');
  expect(engineOf({ version: '7.0.14', gitVersion: 'ce59cfc6a3c5e5c067dca0d30697edd68d4f5188', ok: 1 })).toBe('mongodb');
  // The run's database: the value the global setup provided is the one its server gives now.
  expect(await detectEngine(process.env.KEPT_TEST_MONGODB_URI!)).toBe(inject('dbEngine'));
});
