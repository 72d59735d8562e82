// The detector behind test/prose-numbers.test.ts: finds the quantitative numbers in a chapter's Markdown and
// says which of them no claim(...) of the same notebook backs and no marking declares a definition.
//
// What counts as a quantitative number (in Markdown text and LaTeX; code spans and fenced code are skipped):
//   percent     "15 %", "98.18 %", "a few percent"
//   multiple    "3× faster", "tenfold", "80-fold", "26 times", "three times"
//   count       a number of updates, steps, parameters, weights or iterations: "1,876 updates", "two updates"
//   magnitude   "19 orders of magnitude", "10⁻²", "$10^{-3}$", "$4 \cdot 10^{-3}$", "1e-17"
//
// A found number is fine when
//   - a claim(...) in a code cell of the same notebook backs it: its label (the first argument) contains the
//     same phrase or mentions the same value, or its expectation ({ near, equals, atLeast, atMost, between })
//     holds the value as a literal (a percentage may be claimed as a fraction: "15 %" by 0.15; a multiple by
//     its reciprocal: "tenfold" shrinking by 0.1);
//   - it follows "=" (or ":="): "α = 10⁻³", "p = 50 %" set a value, they do not report one;
//   - or it is marked as a definition in its cell with an HTML comment, which the book and Jupyter do not
//     show: `<!-- given: every 5 updates, ε = 10^{-5} -->`. Every value written in the comment is then a
//     given of that cell (a setting chosen, a definition, arithmetic the sentence itself shows), not a result.

export type Kind = "percent" | "multiple" | "count" | "magnitude";

export interface Found {
  /** The phrase as written, e.g. "26 times", "10^{-2}". */
  text: string;
  kind: Kind;
  /** The values a claim may state for it (e.g. 15 and 0.15 for "15 %"); empty for a vague phrase ("a few percent"). */
  values: number[];
  /** Digits after the decimal point as written ("97.8 %": 1): a claim whose value rounds to the text's number backs it. */
  decimals?: number;
}

const WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
  thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90, hundred: 100, thousand: 1000,
  million: 1e6, twice: 2,
};
const SUPERSCRIPT: Record<string, string> = {
  "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-",
};
const VAGUE = "a few|several|a couple of|some|an|a|one or two|tens of|hundreds of|thousands of";
const NUM = String.raw`\d[\d,]*(?:\.\d+)?|\.\d+`;
const WORD = Object.keys(WORDS).join("|");
const QTY = `(?:${NUM}|${WORD})`;
const COMPARATIVE = "faster|slower|more|fewer|less|larger|smaller|higher|lower|bigger|longer|shorter|cheaper|dearer";
const STOP = "of|per|the|a|an|in|on|at|to|for|by|and|or|with|each|every|its|their|more|fewer";

/** The text a reader sees: no code, no HTML comments, LaTeX spacing and operators made plain. */
export function proseOf(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/`[^`\n]*`/g, " ")
    .replace(/\]\([^)]*\)/g, "]")
    .replace(/\\[,;:! ]/g, " ")
    .replace(/\\(?:times)\b/g, "×")
    .replace(/\\(?:cdot)\b/g, "·")
    .replace(/\\%/g, "%")
    .replace(/\\(?:text|mathrm|operatorname)\{([^}]*)\}/g, "$1")
    .replace(/[ \u00a0\u2009\u202f]+/g, " ");
}

const toNumber = (s: string): number => {
  const w = s.toLowerCase();
  if (w in WORDS) return WORDS[w];
  return Number(s.replace(/,/g, ""));
};

/** Every quantitative number of a Markdown text, in order. */
export function findNumbers(markdown: string): Found[] {
  const prose = proseOf(markdown);
  const found: Array<Found & { at: number }> = [];
  const taken: Array<[number, number]> = [];
  const add = (m: RegExpExecArray, kind: Kind, values: number[], start = m.index, end = m.index + m[0].length) => {
    const decimals = /\d\.(\d+)/.exec(m[1] ?? "")?.[1].length ?? 0;
    if (taken.some(([a, b]) => start < b && a < end)) return;
    if (/(?:=|:=)\s*\$?\s*$/.test(prose.slice(Math.max(0, start - 4), start))) return; // "α = 10⁻³": a setting
    taken.push([start, end]);
    found.push({ text: m[0].trim(), kind, values, decimals, at: start });
  };
  const each = (re: RegExp, f: (m: RegExpExecArray) => void) => {
    for (let m = re.exec(prose); m !== null; m = re.exec(prose)) f(m);
  };
  // orders of magnitude first (so "19 orders" is not read as anything else)
  each(new RegExp(String.raw`\b(${QTY})\s+orders?\s+of\s+magnitude\b`, "gi"), (m) => {
    const n = toNumber(m[1]);
    add(m, "magnitude", [n, 10 ** n, 10 ** -n]);
  });
  each(new RegExp(String.raw`\b(${VAGUE})\s+orders?\s+of\s+magnitude\b`, "gi"), (m) => add(m, "magnitude", []));
  // powers of ten: 4 · 10^{-3}, 10^{-2}, 10^5, 10⁻², 1e-17
  each(/(?:\b(\d+(?:\.\d+)?)\s*[·×]\s*)?\b10\s*(?:\^\s*\{?\s*([-−]?\s*\d+)\s*\}?|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))/g, (m) => {
    const exp = m[2] !== undefined ? m[2].replace(/[−\s]/g, (c) => (c === "−" ? "-" : "")) : [...m[3]].map((c) => SUPERSCRIPT[c]).join("");
    const coefficient = m[1] !== undefined ? Number(m[1]) : 1;
    add(m, "magnitude", [coefficient * 10 ** Number(exp)]);
  });
  each(/\b(\d+(?:\.\d+)?)e([-+]?\d+)\b/g, (m) => add(m, "magnitude", [Number(m[0])]));
  // percentages
  each(new RegExp(String.raw`(?<![\w.])(${NUM})\s*(?:%|percent\b|per cent\b)`, "gi"), (m) => {
    const n = toNumber(m[1]);
    add(m, "percent", [n, n / 100]);
  });
  each(new RegExp(String.raw`\b(${VAGUE}|${WORD})\s+(?:percent|per cent)\b`, "gi"), (m) => {
    const w = m[1].toLowerCase();
    add(m, "percent", w in WORDS ? [WORDS[w], WORDS[w] / 100] : []);
  });
  // multiples: 3×, tenfold, 80-fold, 26 times
  each(new RegExp(String.raw`(?<![\w.])(${NUM})\s?×(?=\s*(?:[,.;:)!?]|$|(?:${COMPARATIVE}|as|the|speed-?up)\b))`, "gi"), (m) => {
    const n = toNumber(m[1]);
    add(m, "multiple", [n, 1 / n]);
  });
  each(new RegExp(String.raw`(?<![\w.])(${NUM})x(?=\s+(?:${COMPARATIVE})\b)`, "gi"), (m) => {
    const n = toNumber(m[1]);
    add(m, "multiple", [n, 1 / n]);
  });
  each(new RegExp(String.raw`\b(${QTY})-?fold\b`, "gi"), (m) => {
    const n = toNumber(m[1]);
    add(m, "multiple", [n, 1 / n]);
  });
  each(new RegExp(String.raw`\b(?<!at\s)(${QTY})\s+times\b`, "gi"), (m) => {
    const n = toNumber(m[1]);
    add(m, "multiple", [n, 1 / n]);
  });
  each(new RegExp(String.raw`\b(${VAGUE})\s+(?:times|-?fold)\b(?=\s+(?:as|more|less|fewer|larger|smaller|faster|slower|lower|higher|bigger|longer|shorter|apart))`, "gi"), (m) =>
    add(m, "multiple", []),
  );
  // counts of updates, steps, parameters, weights, iterations (one adjective may stand between)
  each(new RegExp(String.raw`(?<![\w.])(${QTY})\s+(?:(?!(?:${STOP})\b)[a-z-]+\s+)?(?:updates?|steps?|parameters?|weights?|iterations?)\b`, "gi"), (m) => {
    const n = toNumber(m[1]);
    if (n !== 1) add(m, "count", [n]);
  });
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...f }) => f);
}

/** Every value written in a piece of text, liberally: numerals, number words, superscript and e-notation powers. */
export function valuesIn(text: string): number[] {
  const out: number[] = [];
  const prose = proseOf(text);
  for (const f of findNumbers(text)) out.push(...f.values);
  for (const m of prose.matchAll(new RegExp(String.raw`(?<![\w.])(${NUM})(?:e([-+]?\d+))?`, "g"))) {
    const n = Number(m[1].replace(/,/g, "")) * (m[2] !== undefined ? 10 ** Number(m[2]) : 1);
    out.push(n);
    if (/^\s*%/.test(prose.slice((m.index ?? 0) + m[0].length))) out.push(n / 100);
  }
  for (const m of prose.matchAll(new RegExp(String.raw`\b(${WORD})\b`, "gi"))) out.push(WORDS[m[1].toLowerCase()]);
  for (const m of prose.matchAll(/\b10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)/g)) out.push(10 ** Number([...m[1]].map((c) => SUPERSCRIPT[c]).join("")));
  return out;
}

export interface ClaimText {
  label: string;
  /** The text of the expectation, the last argument: "{ near: 0.978, within: 0.0005 }". */
  expected: string;
}

/** The claim(...) calls of a piece of TypeScript: their label and their expectation, as written. */
export function claimsIn(code: string): ClaimText[] {
  const out: ClaimText[] = [];
  const re = /\bclaim\s*\(/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) {
    const args = splitArguments(code, m.index + m[0].length);
    if (args === null || args.length < 3) continue;
    const label = /^\s*(["'`])([\s\S]*)\1\s*$/.exec(args[0]);
    // [0.894, 0.906, 0.92].forEach((quoted, k) => claim(…, { near: quoted, … })): the quoted values are the array's
    const before = code.slice(Math.max(0, m.index - 400), m.index);
    const loop = /\[([^[\]]*(?:\[[^[\]]*\][^[\]]*)*)\]\s*\.\s*(?:forEach|map)\s*\([^;]*$/.exec(before);
    out.push({ label: label ? label[2] : args[0], expected: args[args.length - 1] + (loop ? ` ${loop[1]}` : "") });
  }
  return out;
}

/** The top-level arguments of a call whose "(" ends just before `start`; null if it never closes. */
function splitArguments(code: string, start: number): string[] | null {
  const args: string[] = [];
  let depth = 0, quote: string | null = null, from = start;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (quote !== null) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        args.push(code.slice(from, i));
        return args;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      args.push(code.slice(from, i));
      from = i + 1;
    }
  }
  return null;
}

const same = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
const squash = (s: string) => proseOf(s).toLowerCase().replace(/\s+/g, " ").replace(/\s*([×%·^{}])\s*/g, "$1").trim();

/** The numbers of one Markdown cell that no claim of `claims` backs and that are not givens; [] when all are fine. */
export function unclaimedNumbers(markdown: string, claims: ClaimText[]): Found[] {
  const givens: number[] = [];
  const givenPhrases: string[] = [];
  for (const m of markdown.matchAll(/<!--\s*given:([\s\S]*?)-->/gi)) {
    givens.push(...valuesIn(m[1]));
    givenPhrases.push(squash(m[1]));
  }
  const labels = claims.map((c) => squash(c.label));
  const claimed: number[] = [];
  for (const c of claims) claimed.push(...valuesIn(c.label), ...literalsIn(c.expected));
  return findNumbers(markdown).filter((f) => {
    const phrase = squash(f.text);
    if (labels.some((l) => l.includes(phrase)) || givenPhrases.some((g) => g.includes(phrase))) return false;
    return !f.values.some((v) => claimed.some((c) => same(v, c) || rounds(c, v, f)) || givens.some((g) => same(v, g)));
  });
}

/** Does the claimed `c` round to the text's `v` at the text's precision ("82 %" and 0.824; "89.4 %" and 0.894)? */
function rounds(c: number, v: number, f: Found): boolean {
  const d = f.decimals ?? 0;
  const at = (x: number, digits: number) => Number(x.toFixed(Math.max(0, Math.min(20, digits))));
  if (f.kind === "percent" && f.values.length === 2 && v === f.values[0]) return same(at(100 * c, d), v);
  if (f.kind === "percent" && f.values.length === 2) return same(at(c, d + 2), v);
  return Number.isInteger(v) && d === 0 ? false : same(at(c, d), v);
}

/** Numeric literals of a TypeScript expression (1e-3, 0.978, 2 ** -9 gives 2, -9 and 2⁻⁹). */
function literalsIn(expr: string): number[] {
  const out: number[] = [];
  for (const m of expr.matchAll(/(?<![\w.])(-?\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?|-?\.\d+)(?:\s*\*\*\s*(-?\d+))?/gi)) {
    const base = Number(m[1].replace(/_/g, ""));
    out.push(base);
    if (m[2] !== undefined) out.push(base ** Number(m[2]));
  }
  return out;
}
