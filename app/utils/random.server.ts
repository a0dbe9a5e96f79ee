import crypto from 'node:crypto';

// Replayable randomness: the review sample (its draw is checked against the record) and the seeds
// (account i is the same in every run) draw from the same small PRNG.

/** mulberry32: a tiny, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mulberry32 seeded from the first 32 bits of sha256(text): the same text always replays the same draws. */
export function randomFromText(text: string): () => number {
  return mulberry32(crypto.createHash('sha256').update(text).digest().readUInt32BE(0));
}
