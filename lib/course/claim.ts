// claim(): a number the text of a notebook quotes, asserted where it is computed.
//
//   claim("test accuracy after 5 epochs", acc, { near: 0.9781, within: 0.0005 });
//   claim("initial loss", loss, { near: Math.log(10), within: 0.2 });
//   claim("final test accuracy", acc, { atLeast: 0.98 });
//   claim("dead hidden units", dead, { equals: 64 });
//
// It prints nothing when the number holds and throws when it does not, naming the label, the number
// found and the number the text states, so that a change which moves a quoted figure fails the
// notebook (and `npm test`) instead of leaving the prose wrong. Only for DETERMINISTIC numbers (seeded
// accuracies, losses, counts): seconds, GFLOP/s and ratios of times are printed, never claimed.
// `within` is an absolute tolerance; choose it as wide as the text's rounding (the text says
// "97.8 %": { near: 0.978, within: 0.0005 }).
//
// For authors updating a chapter's numbers: with the environment variable CLAIMS=report (e.g.
// `CLAIMS=report npm run notebooks -- notebooks/05-….ipynb`), a claim that does not hold prints its line
// ("claim … : found …, but the text says …") instead of throwing, so one run lists every number to update.

export type Claim =
  | { near: number; within: number }
  | { equals: number }
  | { atLeast: number }
  | { atMost: number }
  | { between: [number, number] };

/** Throws (naming both numbers) unless `actual` satisfies `expected`; prints nothing, returns nothing. */
export function claim(label: string, actual: number, expected: Claim): void {
  if (typeof label !== "string" || label.length === 0) throw new Error("claim: the first argument must name the number (a non-empty string)");
  const problem = claimProblem(actual, expected);
  if (problem === null) return;
  const message = `claim "${label}": ${problem}`;
  if (typeof process !== "undefined" && process.env?.CLAIMS === "report") console.log(message);
  else throw new Error(message);
}

/** null when `actual` satisfies `expected`, otherwise what went wrong (both numbers named). */
export function claimProblem(actual: number, expected: Claim): string | null {
  if (typeof actual !== "number" || Number.isNaN(actual)) return `found ${String(actual)}, which is not a number`;
  const found = `found ${fmt(actual)}`;
  if ("near" in expected) {
    const { near, within } = expected;
    if (!Number.isFinite(near) || !(within >= 0)) throw new Error(`claim: { near: ${near}, within: ${within} } needs a finite number and a tolerance ≥ 0`);
    const ok = Math.abs(actual - near) <= within;
    return ok ? null : `${found}, but the text says ${fmt(near)} (± ${fmt(within)})`;
  }
  if ("equals" in expected) return actual === expected.equals ? null : `${found}, but the text says exactly ${fmt(expected.equals)}`;
  if ("atLeast" in expected) return actual >= expected.atLeast ? null : `${found}, but the text says at least ${fmt(expected.atLeast)}`;
  if ("atMost" in expected) return actual <= expected.atMost ? null : `${found}, but the text says at most ${fmt(expected.atMost)}`;
  if ("between" in expected) {
    const [lo, hi] = expected.between;
    return actual >= lo && actual <= hi ? null : `${found}, but the text says between ${fmt(lo)} and ${fmt(hi)}`;
  }
  throw new Error(`claim: expected { near, within }, { equals }, { atLeast }, { atMost } or { between }, found ${JSON.stringify(expected)}`);
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}
