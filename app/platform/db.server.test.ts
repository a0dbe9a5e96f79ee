import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '#app/platform/db.server';

const { MongoNetworkError, MongoServerSelectionError, MongoServerError } = mongoose.mongo;
const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('the outage classifier (503 to retry, or 500 for a bug)', () => {
  it('knows the driver errors of a database that does not answer', () => {
    expect(isDatabaseUnavailable(new MongoNetworkError('connection 6 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(isDatabaseUnavailable(new MongoServerSelectionError('Server selection timed out after 5000 ms', { servers: new Map() } as never))).toBe(true);
    expect(isDatabaseUnavailable(named('MongooseError', 'Operation `surveys.findOne()` buffering timed out after 10000ms'))).toBe(true);
    // In flight while the watchdog reopens a wedged connection.
    expect(isDatabaseUnavailable(named('MongooseError', 'Connection was force closed'))).toBe(true);
  });

  it('knows a command written as the database closed its connection (the bare socket error the driver passes on)', () => {
    const epipe = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    expect(isDatabaseUnavailable(epipe)).toBe(true);
    expect(isDatabaseUnavailable(new Error('loader failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }))).toBe(true);
  });

  it('leaves real faults to the 500 page: refused commands, validation, bugs', () => {
    expect(isDatabaseUnavailable(new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 }))).toBe(false);
    expect(isDatabaseUnavailable(named('ValidationError', 'Survey validation failed'))).toBe(false);
    expect(isDatabaseUnavailable(named('MongooseError', 'Model.find() no longer accepts a callback'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'stage')"))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('EACCES'), { code: 'EACCES' }))).toBe(false);
  });
});
