// How the page checks (check-html, check-book) print one page's verdict: "✓ name  what was seen  1.2 s", or
// "✗ name  (1.2 s)" on the error stream and each problem below it.

/**
 * Prints the verdict on `name`, checked since `started` (Date.now()); `seen(seconds)` is the ✓ line's text after the
 * name, given the seconds as "1.2". Returns 1 when there were problems (to add to a count of failures), else 0.
 */
export function printVerdict(name, started, problems, seen) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length === 0) {
    console.log(`✓ ${name}  ${seen(seconds)}`);
    return 0;
  }
  console.error(`✗ ${name}  (${seconds} s)`);
  for (const p of problems) console.error(`    ${p}`);
  return 1;
}
