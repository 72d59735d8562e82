// A small seeded random number generator, so every experiment is reproducible from one seed.
// Same seed → same numbers, on every run and every machine.
//
// The generator is mulberry32 (Tommy Ettinger): a 32-bit state advanced by a constant, then mixed.
// It is tiny, fast and good enough for initial weights and shuffling (it is not for cryptography).

/** Anything that can be shuffled in place: a plain array or a typed array. */
export interface Shuffleable {
  length: number;
  [index: number]: number;
}

export class Random {
  private state: number;
  private spareNormal: number | null = null; // Box–Muller makes normals in pairs; the second waits here

  /** `seed` is any number; it is reduced to 32 bits. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random: the seed must be a finite number, got ${seed}`);
    // fold fractional and large seeds into 32 bits so that e.g. 1.5 and 1 differ
    this.state = (Math.floor(seed) ^ Math.floor((seed % 1) * 0x100000000)) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform number in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** A normal (Gaussian) number with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    // z₀ = √(−2 ln u₁)·cos(2π u₂),  z₁ = √(−2 ln u₁)·sin(2π u₂);  u₁ ∈ (0, 1] so the log is finite
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** A whole number in 0..n−1, each equally likely. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Random.int: n must be a whole number ≥ 1, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Shuffles the array in place (Fisher–Yates: swap entry i with a random entry in 0..i, from the end down). */
  shuffle(array: Shuffleable): void {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
  }

  /** The numbers 0..n−1 in a random order. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}
