import { describe, expect, it } from 'vitest';
import { idleGate } from './idle-gate';

describe('idleGate: a scan that waits after finding nothing', () => {
  it('is open until a scan finds nothing, then closed for the quiet time of the cycle clock', () => {
    const gate = idleGate(15_000);
    expect(gate.open(0)).toBe(true);
    gate.scanning(0);
    gate.scanned(0, true);
    expect(gate.open(1_000)).toBe(true); // found work: scan again at once
    gate.scanning(1_000);
    gate.scanned(1_000, false);
    expect(gate.open(1_001)).toBe(false);
    expect(gate.open(15_999)).toBe(false);
    expect(gate.open(16_000)).toBe(true);
    expect(gate.open(500)).toBe(true); // the clock went back
  });

  it('opens at once for work this process made, once per poke', () => {
    const gate = idleGate(60_000);
    gate.scanned(0, false);
    expect(gate.open(10)).toBe(false);
    gate.poke();
    expect(gate.open(10)).toBe(true);
    gate.scanning(10);
    gate.scanned(10, false);
    expect(gate.open(20)).toBe(false);
  });

  it('opens when a retry it was told about falls due, and forgets it once a scan served it', () => {
    const gate = idleGate(60_000);
    gate.scanned(0, false);
    gate.wakeAt(30_000);
    gate.wakeAt(40_000); // the earliest counts
    expect(gate.open(29_999)).toBe(false);
    expect(gate.open(30_000)).toBe(true);
    gate.scanning(30_000);
    gate.scanned(30_000, false);
    expect(gate.open(45_000)).toBe(false);
    gate.reset();
    expect(gate.open(45_000)).toBe(true);
  });
});
