// The exercises of the course, registered by name, one module a chapter. A notebook's answer cell binds a
// name, and its check cell names the exercise and gives the answer, nothing else:
//
//   const shrinkFactor = undefined;     // ← the student replaces undefined with an answer
//   check("5.2", shrinkFactor);
//
// Two kinds of module hold an exercise, and only the first ships to students:
//
//   lib/course/exercises/chNN.ts          what students get: the FEEDBACK check() gives. Never an expected value.
//   lib/course/exercises/hidden/chNN.ts   the teacher's: the expected values (and any test kept from students)
//                                         that GRADE. Not in the student edition nor in a class's copies
//                                         (scripts/lib/classroom/course.mjs leaves lib/course/exercises/hidden out).
//
// A verdict in `npm run grade` never comes from what a notebook printed: after the student's cells the grader
// runs its own cell in the same kernel, which reads the value the student bound to `answer`, runs the hidden
// expectation (or the public test on inputs drawn at grading time) and writes the verdict to a file only the
// grader knows (lib/course/exercises/grading.ts).
//
// ---- Adding a chapter's exercises (chapter 12 as the example) -------------------------------------------------
//   1. lib/course/exercises/ch12.ts (public):
//        import { registerExercises } from "./registry";
//        registerExercises("12", [
//          // a value: the public module holds only its digest (sha-256 of the rounded value; see digestOf)
//          { id: "12.1", answer: "outputSize", hint: "…", digest: "9f3c…" },
//          // a function or any answer a test decides: the test gets the answer and an rng to draw inputs from
//          { id: "12.2", answer: "myLayerNorm", hint: "…", test: (f, rng) => … true or "what is wrong",
//            offLimits: { why: "write the normalisation yourself", layers: true, modules: ["nn/layernorm"] } },
//        ]);
//      `answer` is the exact name the chapter's answer cell binds (`const myLayerNorm … = undefined;`): the
//      grader reads that name. `test` returns true or a sentence saying what is wrong without giving the
//      answer away; it may throw (counts as wrong). It must take its random inputs from `rng` (check() passes
//      a fixed seed; the grader a fresh one, so a notebook cannot have hard-coded the cases), and must not
//      contain the answer's formula in a form a student could copy (compare with the library instead: the
//      library is off limits only INSIDE the student's function).
//      `offLimits` (optional): what the student's function may not call while it runs, applied automatically
//      by the kernel's library guard (jupyter/kernels/tslab/library-guard.cjs): `layers: true` blocks every
//      method of every class with forward() and backward() (all Layer subclasses, Sequential, ones added
//      later); `modules` blocks every export of those files of lib/ ("nn/im2col"); `names` blocks exports by
//      name anywhere in lib/ ("cosineLr", "Sequential.parameterCount"); `builtins` blocks JavaScript's own
//      ("DataView.prototype.getUint32"). `why` ends the error the student sees ("… is off limits in exercise
//      12.2: why"). List the modules that compute the asked-for result, not single functions.
//   2. lib/course/exercises/hidden/ch12.ts (teacher only):
//        import { registerHidden } from "../registry";
//        export const ids = registerHidden("12", { "12.1": { expected: 42 } });  // each `digest` exercise needs one
//      (export something: tslab cannot import a file without exports from a cell)
//      An entry may also give `test` (graded instead of the public one) and `tolerance` (relative, default 1e-6).
//   3. one line in lib/course/exercises/index.ts (import "./ch12") and one in hidden/index.ts (import "./ch12").
//   4. a unit test that the right answer passes and a wrong method fails (test/exercises*.test.ts); the
//      registry's own test checks that every digest matches its hidden expected value.
// Print a digest with: npx tsx -e 'import("./lib/course/exercises/registry").then(m => console.log(m.digestOf("12.1", 42)))'
import { createHash } from "crypto";
import { Random } from "../../core/random";

/** What the student's function may not use while it runs (see the top of this file). */
export interface OffLimits {
  /** the end of the error the student sees: "… is off limits in exercise 4.1: <why>" */
  why: string;
  /** every method of every class with forward() and backward() */
  layers?: boolean;
  /** files of lib/ ("nn/im2col"), every function and class they export */
  modules?: string[];
  /** exports of lib/ by name ("cosineLr"), or a method of a class ("Sequential.parameterCount") */
  names?: string[];
  /** JavaScript's own functions by path ("DataView.prototype.getUint32") */
  builtins?: string[];
}

/** A test of the answer: true when right, else a sentence saying what is wrong. Inputs come from `rng`. */
export type ExerciseTest = (answer: any, rng: Random) => boolean | string;

export interface ExerciseSpec {
  /** "5.2": the name check() is called with (also accepted as "Exercise 5.2") */
  id: string;
  /** the name the chapter's answer cell binds (`const NAME … = undefined;`): what the grader reads */
  answer: string;
  /** printed after a wrong answer */
  hint: string;
  /** the answer is a function of this shape ("(w, dw, lr, lambda) => number[]"): anything else is told so before any test */
  expects?: string;
  /** a value exercise: digestOf(id, expected), the expected value itself being in hidden/chNN.ts */
  digest?: string;
  /** significant digits a number is rounded to before its digest (default: from the tolerance) */
  digits?: number;
  /** relative tolerance for numbers (default 1e-6): a digest rounds to about that many digits */
  tolerance?: number;
  /** decides the answer (public: check() runs it with a fixed seed, the grader with a fresh one) */
  test?: ExerciseTest;
  /** what the student's function may not call while it runs */
  offLimits?: OffLimits;
  /** the inline `expected` of older modules; not allowed in a public module (use digest) */
  expected?: never;
}

/** The teacher's part of an exercise (hidden/chNN.ts). */
export interface HiddenSpec {
  expected?: unknown;
  tolerance?: number;
  test?: ExerciseTest;
}

export type Exercise = ExerciseSpec & { chapter: string };

const byId = new Map<string, Exercise>();
const hiddenById = new Map<string, HiddenSpec & { chapter: string }>();
const NAME = /^[A-Za-z_$][\w$]*$/;

/** Registers a chapter's exercises. Throws on a duplicate id, a missing answer name, or neither digest nor test. */
export function registerExercises(chapter: string, exercises: ExerciseSpec[]): void {
  for (const e of exercises) {
    const where = `registerExercises(${chapter}): exercise "${e.id}"`;
    if (byId.has(e.id)) throw new Error(`${where} is registered twice`);
    if (typeof e.answer !== "string" || !NAME.test(e.answer)) {
      throw new Error(`${where} needs \`answer\`: the name its answer cell binds (found ${JSON.stringify(e.answer)})`);
    }
    if ((e as { expected?: unknown }).expected !== undefined) {
      throw new Error(`${where} gives \`expected\` in a public module: give its digest here (digestOf) and the value in hidden/ch${chapter.padStart(2, "0")}.ts`);
    }
    if (e.test === undefined && e.digest === undefined) throw new Error(`${where} needs a digest or a test`);
    byId.set(e.id, { ...e, chapter });
  }
}

/**
 * Registers the teacher's expected values and tests of a chapter (lib/course/exercises/hidden/chNN.ts) and
 * returns their ids: export them (`export const ids = registerHidden(…)`), since tslab cannot import a file
 * without exports from a cell.
 */
export function registerHidden(chapter: string, entries: Record<string, HiddenSpec>): string[] {
  for (const [id, h] of Object.entries(entries)) {
    if (hiddenById.has(id)) throw new Error(`registerHidden(${chapter}): exercise "${id}" is registered twice`);
    if (h.expected === undefined && h.test === undefined) throw new Error(`registerHidden(${chapter}): exercise "${id}" needs expected or test`);
    hiddenById.set(id, { ...h, chapter });
  }
  return Object.keys(entries);
}

/** "Exercise 5.2", "exercise 5.2" and "5.2" all name exercise "5.2". */
export function exerciseId(name: string): string {
  return String(name).trim().replace(/^exercise\s+/i, "");
}

/** The registered exercise, or undefined. */
export function findExercise(name: string): Exercise | undefined {
  return byId.get(exerciseId(name));
}

/** The teacher's part of an exercise, when this copy of the course has it (never in a student's). */
export function findHidden(name: string): HiddenSpec | undefined {
  return hiddenById.get(exerciseId(name));
}

/** The ids of every registered exercise (of one chapter, "5" or "05", if given), in registration order. */
export function exerciseIds(chapter?: string): string[] {
  const want = chapter === undefined ? undefined : String(Number(chapter));
  return [...byId.values()].filter((e) => want === undefined || String(Number(e.chapter)) === want).map((e) => e.id);
}

/** Every registered exercise, grouped by chapter: {"5": [{ id: "5.1", answer: "updatesPerEpoch" }, …]}. */
export function exercisesByChapter(): Record<string, { id: string; answer: string }[]> {
  const out: Record<string, { id: string; answer: string }[]> = {};
  for (const e of byId.values()) (out[String(Number(e.chapter))] ??= []).push({ id: e.id, answer: e.answer });
  return out;
}

/** Significant digits for a relative tolerance: 1e-6 → 6, 1e-3 → 3. */
export function digitsFor(tolerance = 1e-6): number {
  return Math.max(1, Math.min(15, Math.round(-Math.log10(tolerance))));
}

/** The text a value is hashed as: numbers rounded to `digits` significant digits, lists joined, words lower-case. */
export function canonical(value: unknown, digits: number): string | null {
  if (typeof value === "number") return Number.isFinite(value) ? String(Number(value.toPrecision(digits))) : String(value);
  if (typeof value === "string") return JSON.stringify(value.trim().toLowerCase());
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const parts = Array.from(value as ArrayLike<unknown>, (v) => canonical(v, digits));
    return parts.some((p) => p === null) ? null : `[${parts.join(",")}]`;
  }
  return null;
}

/** The digest a public module gives for a value exercise: sha-256 of the exercise id and the canonical value. */
export function digestOf(id: string, value: unknown, digits = 6): string {
  const text = canonical(value, digits);
  if (text === null) throw new Error(`digestOf(${id}): a number, a word, true/false or a list of those is expected, found ${typeof value}`);
  return createHash("sha256").update(`${exerciseId(id)}\n${text}`).digest("hex");
}

/** A generator for an exercise's test inputs: fixed for check()'s feedback, fresh for grading. */
export function feedbackRandom(id: string): Random {
  let seed = 17;
  for (const ch of exerciseId(id)) seed = (seed * 31 + ch.charCodeAt(0)) % 1_000_003;
  return new Random(seed);
}

/** What is wrong with the answer's kind before any test runs ("expected a function …"), or null. */
export function kindProblem(exercise: ExerciseSpec, answer: unknown): string | null {
  return exercise.expects !== undefined && typeof answer !== "function" ? `expected a function ${exercise.expects}` : null;
}
