import { createHash } from 'node:crypto';

/**
 * Randomness that depends only on the seed and a stable key (a chunk id, a rule id), never on
 * the order things are visited in: an export with the same seed over the same index gives the
 * same samples, whatever order LanceDB returns rows in.
 */

/** 32 bits of sha256 over the seed and the key. */
export function hash32(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}\u0000${key}`).digest().readUInt32BE(0);
}

/** A uniform number in [0, 1) from the seed and key. */
export function unitHash(seed: number, key: string): number {
  return hash32(seed, key) / 0x1_0000_0000;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** mulberry32, seeded from sha256(seed, key): small, fast and good enough for sampling. */
export function rngFor(seed: number, key: string): Rng {
  let state = hash32(seed, key) | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    next,
    int: (min, max) => (max <= min ? min : min + Math.floor(next() * (max - min + 1))),
    chance: (p) => next() < p,
  };
}
