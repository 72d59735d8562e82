// How the library writes numbers for people: one home each, so a table, a log line and the command
// line's summary print the same value the same way.

/** A fraction as a percentage: 0.96123 → "96.12%". */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

/** A loss, to four decimals: "0.1234". */
export function formatLoss(loss: number): string {
  return loss.toFixed(4);
}

/** Seconds, to two decimals, without the unit: "2.31". */
export function formatSeconds(seconds: number): string {
  return seconds.toFixed(2);
}

/** A count with thousands separators: 60000 → "60,000". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
