// The command line of every command (scripts/commands/*, bench/run.ts): one parser, Node's own util.parseArgs,
// strict. An unknown option, a missing value, an option given twice or a stray argument is refused with one
// line and exit 2, before any work; --help prints the command's usage and exits 0.
//
// Which language a script is in (scripts/README.md): TypeScript (tsx) when it imports lib/; plain JavaScript
// (.mjs) when it must run before `npm ci` or in a bare hub image (the set-up, the class's helpers); Python only
// where Jupyter's own libraries are needed (scripts/jupyter/: nbclient, nbconvert, the Notebook server).
import { parseArgs } from "node:util";

/** A bad command line: the caller prints its message on one line and exits 2. */
export class UsageError extends Error {}

/** Print `command: message` on one line and exit (2: a bad command line; 1: anything else). */
export function fail(command, message, code = 2) {
  process.stderr.write(`${command}: ${String(message).split("\n")[0]}\n`);
  process.exit(code);
}

/**
 * Parse argv with util.parseArgs (strict), throwing UsageError with a one-line message. `options` as parseArgs
 * takes them (no `help`: add it yourself when you want it parsed). Refuses an option given twice and a string
 * option whose value is empty or another option; takes a value that starts with one dash (`--lr -0.5`).
 * Returns { values, positionals, given } (given: the option names in the order typed).
 */
export function parseOptions(argv, { options = {}, allowPositionals = false } = {}) {
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : null;
    const next = argv[i + 1];
    // parseArgs calls "-0.5" ambiguous; as the value of a string option it is meant as the value
    if (name !== null && options[name]?.type === "string" && next !== undefined && /^-[^-]/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(
      String(err.message)
        .split("\n")[0]
        .replace(/^Unknown option '([^']*)'.*$/s, "unknown option $1 (see --help)")
        .replace(/^Option '(-[^ ']+)[^']*' argument missing$/, "option $1 needs a value")
        .replace(/^Option '(-[^ ']+)[^']*' argument is ambiguous.*$/, "option $1 needs a value")
        .replace(/^Option '(-[^ ']+)[^']*' does not take an argument$/, "option $1 takes no value")
        .replace(/^Unexpected argument '([^']*)'.*$/s, 'unexpected argument "$1" (see --help)'),
    );
  }
  const given = [];
  for (const t of parsed.tokens) {
    if (t.kind !== "option") continue;
    if (given.includes(t.name) && !options[t.name]?.multiple) throw new UsageError(`option --${t.name} given twice`);
    given.push(t.name);
  }
  for (const [name, spec] of Object.entries(options)) {
    const v = parsed.values[name];
    if (spec.type === "string" && typeof v === "string" && (v === "" || v.startsWith("--"))) {
      throw new UsageError(`option --${name} needs a value, found ${JSON.stringify(v)}`);
    }
  }
  return { values: parsed.values, positionals: parsed.positionals, given };
}

/**
 * parseOptions for a command: adds --help (prints `help`, exits 0) and turns a UsageError into one line and
 * exit 2. Returns { values, positionals, given }.
 */
export function parseCommandLine(command, { options = {}, allowPositionals = false, help = "" }, argv = process.argv.slice(2)) {
  let parsed;
  try {
    parsed = parseOptions(argv, { options: { ...options, help: { type: "boolean" } }, allowPositionals });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    fail(command, err.message);
  }
  if (parsed.values.help) {
    process.stdout.write(help.endsWith("\n") ? help : `${help}\n`);
    process.exit(0);
  }
  return parsed;
}

/** A whole number in [min, max], digits only (no sign, space, exponent or hex), or a UsageError naming `what`. */
export function wholeNumberOrThrow(what, text, min, max) {
  const v = Number(text);
  if (!/^\d+$/.test(String(text)) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`${what}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(text)}`);
  }
  return v;
}

/** wholeNumberOrThrow for a command: a one-line refusal and exit 2. */
export function wholeNumber(command, what, text, min, max) {
  try {
    return wholeNumberOrThrow(what, text, min, max);
  } catch (err) {
    return fail(command, err.message);
  }
}
