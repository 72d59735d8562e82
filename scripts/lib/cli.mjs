// The command line of the .mjs scripts: options parsed strictly (an unknown option, a missing value or a
// stray argument is refused), and one-line errors with a non-zero exit, never a stack trace.
import { parseArgs } from "node:util";

/** Print `command: message` on one line and exit (2: a bad command line; 1: anything else). */
export function fail(command, message, code = 2) {
  process.stderr.write(`${command}: ${String(message).split("\n")[0]}\n`);
  process.exit(code);
}

/**
 * Parse argv with node:util parseArgs (strict). `options` as parseArgs takes them, plus `help` (shown by
 * --help); refuses with one line. Returns { values, positionals }.
 */
export function parseCommandLine(command, { options = {}, allowPositionals = false, help = "" }, argv = process.argv.slice(2)) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean" } }, allowPositionals, strict: true });
  } catch (err) {
    const message = String(err.message)
      .replace(/^Unknown option '([^']*)'.*$/s, "unknown option $1 (see --help)")
      .replace(/^Option '(-[^ ']+)[^']*' argument missing$/, "option $1 needs a value")
      .replace(/^Option '(-[^ ']+)[^']*' does not take an argument$/, "option $1 takes no value")
      .replace(/^Unexpected argument '([^']*)'.*$/s, 'unexpected argument "$1" (see --help)');
    fail(command, message);
  }
  if (parsed.values.help) {
    process.stdout.write(help.endsWith("\n") ? help : `${help}\n`);
    process.exit(0);
  }
  for (const [name, spec] of Object.entries(options)) {
    const v = parsed.values[name];
    if (spec.type === "string" && typeof v === "string" && (v === "" || v.startsWith("--"))) {
      fail(command, `option --${name} needs a value, found ${JSON.stringify(v)}`);
    }
  }
  return parsed;
}

/** A whole number in [min, max] from an option's or variable's text, or a one-line refusal naming it. */
export function wholeNumber(command, what, text, min, max) {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(String(text)) || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(command, `${what}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(text)}`);
  }
  return v;
}
