import { describe, expect, it } from 'vitest';
import { getEnv } from './env.server';

describe('environment validation', () => {
  it('names every missing or bad variable in one message', () => {
    expect(() => getEnv({ PORT: 'eighty', MONGODB_URI: 'postgres://x', SESSION_SECRET: 'short' })).toThrowError(
      /PORT[\s\S]*MONGODB_URI: must be a mongodb:\/\/[\s\S]*SESSION_SECRET: must be at least 16/,
    );
  });

  it('fills defaults for optional variables', () => {
    const env = getEnv({ MONGODB_URI: 'mongodb://127.0.0.1:27017/kept', SESSION_SECRET: 'x'.repeat(32) });
    expect(env).toMatchObject({ PORT: 3000, NODE_ENV: 'development', EMAIL_RATE_PER_SECOND: 2, TRUST_PROXY: false });
  });
});
