/** The seeded randomness of the fault harness: same seed, same faults, so a failure replays. */

/**
 * mulberry32: a tiny, well-mixed PRNG whose whole state is one 32-bit number.
 *
 * @param seed - Any integer.
 * @returns A function returning numbers in [0, 1).
 */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
