import { describe, expect, it } from "vitest";
import { Random } from "../lib/core/random";

const take = (rng: Random, n: number, f: (r: Random) => number) => Array.from({ length: n }, () => f(rng));

describe("Random", () => {
  it("the same seed gives the same numbers; a different seed gives different ones", () => {
    expect(take(new Random(42), 100, (r) => r.next())).toEqual(take(new Random(42), 100, (r) => r.next()));
    expect(take(new Random(42), 100, (r) => r.normal())).toEqual(take(new Random(42), 100, (r) => r.normal()));
    expect(take(new Random(42), 10, (r) => r.next())).not.toEqual(take(new Random(43), 10, (r) => r.next()));
  });

  it("next() is in [0, 1) and its mean and variance match the uniform's (1/2 and 1/12)", () => {
    const xs = take(new Random(1), 50_000, (r) => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
  });

  it("uniform(lo, hi) stays in [lo, hi)", () => {
    const xs = take(new Random(2), 10_000, (r) => r.uniform(-0.5, 0.5));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...xs)).toBeLessThan(0.5);
  });

  it("normal(mean, std) has that mean and standard deviation, and about 68% within one std", () => {
    const xs = take(new Random(3), 50_000, (r) => r.normal(2, 3));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 2)).toBeLessThan(0.05);
    expect(Math.abs(std - 3)).toBeLessThan(0.05);
    const within = xs.filter((x) => Math.abs(x - 2) < 3).length / xs.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
  });

  it("int(n) gives each of 0..n−1 about equally often", () => {
    const counts = new Array(10).fill(0);
    const rng = new Random(4);
    for (let i = 0; i < 100_000; i++) counts[rng.int(10)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.int(0)).toThrow("n must be a whole number ≥ 1, got 0");
    expect(() => rng.int(2.5)).toThrow("got 2.5");
  });

  it("shuffle permutes plain and typed arrays in place, reproducibly", () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    new Random(5).shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const t = new Uint8Array(Array.from({ length: 50 }, (_, i) => i));
    new Random(5).shuffle(t);
    expect(Array.from(t)).toEqual(a); // same seed, same order
  });

  it("shuffle puts each element in each position about equally often (Fisher–Yates is unbiased)", () => {
    const rng = new Random(6);
    const counts = [0, 0, 0, 0]; // how often element 0 lands in each of 4 positions
    for (let t = 0; t < 40_000; t++) {
      const a = [0, 1, 2, 3];
      rng.shuffle(a);
      counts[a.indexOf(0)]++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it("permutation(n) is 0..n−1 in some order", () => {
    const p = new Random(7).permutation(20);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("refuses a seed that is not a finite number", () => {
    expect(() => new Random(NaN)).toThrow("the seed must be a finite number, got NaN");
  });
});
