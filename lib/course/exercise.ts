// Exercise checks for the notebooks.
//
//   const shrinkFactor = undefined;     // ← the student replaces undefined with an answer
//   check("5.2", shrinkFactor);
//
// prints one line, and never throws:
//   "Exercise 5.2: Not answered yet — replace `undefined` with your answer and re-run."
//   "Exercise 5.2: Not quite: 2 is not the expected number. (Hint: …)"
//   "Exercise 5.2: Correct!"
//
// The course's exercises are registered by name in lib/course/exercises/ (one module a chapter; see
// lib/course/exercises/registry.ts for how to add one). check() gives FEEDBACK: a value is compared through
// its digest (the value itself is only in the teacher's copy), a function is tested on fixed inputs. It
// decides no grade: `npm run grade` runs its own tests after the student's cells and ignores what they print
// (lib/course/exercises/grading.ts).
//
// The older inline form check(name, answer, expected, hint?, options?) still works, for a quick check
// outside the course's exercises (it counts for nothing in grading). `expected` is either the expected value
// (numbers compared with a tolerance, arrays, typed arrays and matrices element by element, strings ignoring
// case and surrounding spaces) or a predicate `(answer) => boolean | string` (a string is the reason the
// answer is not right).
import { findExercise, exerciseId, digestOf, digitsFor, feedbackRandom, kindProblem, type Exercise } from "./exercises/index";
import { guardedAnswer } from "./exercises/off-limits";

export type ExerciseStatus = "unanswered" | "wrong" | "correct";

export interface CheckResult {
  status: ExerciseStatus;
  message: string; // the line check() prints
}

export type Predicate = (answer: any) => boolean | string;

export interface CheckOptions {
  /** Numbers are equal if |a − e| ≤ tolerance · max(1, |e|). Default 1e-6. */
  tolerance?: number;
  /** Where check() prints the line (tests pass their own). Default console.log. */
  log?: (line: string) => void;
}

/**
 * Check a student's answer to a registered exercise: check("5.2", answer). Prints one line, "Not answered
 * yet", "Not quite: …" (with the hint) or "Correct!", and never throws. Returns nothing, so a notebook
 * cell that ends with check(...) shows only that line.
 */
export function check(name: string, answer: unknown): void;
/** The inline form: the expected value (or a predicate) and the hint given in the call. */
export function check(name: string, answer: unknown, expected: unknown, hint?: string, options?: CheckOptions): void;
export function check(name: string, answer: unknown, ...rest: unknown[]): void {
  const [expected, hint, options] = rest as [unknown, string | undefined, CheckOptions | undefined];
  const log = options?.log ?? ((line: string) => console.log(line));
  log((rest.length === 0 ? assessExercise(name, answer) : assess(name, answer, expected, hint, options)).message);
}

/** The verdict of check(name, answer) for a registered exercise (its feedback), without printing it. */
export function assessExercise(name: string, answer: unknown): CheckResult {
  const exercise = findExercise(name);
  const label = `Exercise ${exerciseId(name)}`;
  if (exercise === undefined) {
    return { status: "wrong", message: `${label}: there is no such exercise (check the name: "5.2" is exercise 2 of chapter 5).` };
  }
  if (exercise.test !== undefined) {
    const test = exercise.test;
    return assess(label, guardedAnswer(exercise, answer), (a: unknown) => kindProblem(exercise, a) ?? test(a, feedbackRandom(exercise.id)), exercise.hint);
  }
  return assess(label, answer, (a: unknown) => digestProblem(exercise, a), exercise.hint);
}

/** true when `answer` has the exercise's digest, else what kind of thing is not right (no value is revealed). */
export function digestProblem(exercise: Exercise, answer: unknown): true | string {
  const digits = exercise.digits ?? digitsFor(exercise.tolerance);
  let digest: string;
  try {
    digest = digestOf(exercise.id, answer, digits);
  } catch {
    return `expected a number, a word or a list, found ${kind(answer)}.`;
  }
  if (digest === exercise.digest) return true;
  if (typeof answer === "number") return Number.isNaN(answer) ? "your answer is NaN." : `${describe(answer)} is not the expected number.`;
  if (typeof answer === "string") return `${describe(answer)} is not the expected word.`;
  if (typeof answer === "boolean") return `${answer} is not right.`;
  return `${describe(answer)} is not the expected list.`;
}

/** The verdict of check(), without printing it. */
export function assess(name: string, answer: unknown, expected: unknown, hint?: string, options: CheckOptions = {}): CheckResult {
  const tolerance = options.tolerance ?? 1e-6;
  let status: ExerciseStatus;
  let detail = "";
  if (answer === undefined) {
    status = "unanswered";
  } else {
    let problem: string | null;
    try {
      problem = typeof expected === "function" ? runPredicate(expected as Predicate, answer) : compare(answer, expected, tolerance);
    } catch (e) {
      problem = `checking your answer raised an error: ${e instanceof Error ? e.message : String(e)}`;
    }
    status = problem === null ? "correct" : "wrong";
    detail = problem ?? "";
  }
  return { status, message: formatLine(name, status, detail, hint) };
}

function formatLine(name: string, status: ExerciseStatus, detail: string, hint?: string): string {
  const prefix = name ? `${name}: ` : "";
  if (status === "unanswered") return `${prefix}Not answered yet — replace \`undefined\` with your answer and re-run.`;
  if (status === "correct") return `${prefix}Correct!`;
  return `${prefix}Not quite: ${detail}${hint ? ` (Hint: ${hint})` : ""}`;
}

function runPredicate(predicate: Predicate, answer: unknown): string | null {
  const verdict = predicate(answer);
  if (verdict === true) return null;
  if (typeof verdict === "string" && verdict.length > 0) return verdict;
  return `${describe(answer)} is not right yet.`;
}

/** null when `answer` matches `expected`, otherwise a sentence saying how it differs (without giving the answer away). */
export function compare(answer: unknown, expected: unknown, tolerance = 1e-6): string | null {
  if (typeof expected === "number") {
    if (typeof answer !== "number") return `expected a number, found ${kind(answer)}.`;
    if (Number.isNaN(answer)) return "your answer is NaN.";
    if (Number.isNaN(expected)) return "expected NaN.";
    return closeEnough(answer, expected, tolerance) ? null : `${describe(answer)} is not the expected number.`;
  }
  if (typeof expected === "string") {
    if (typeof answer !== "string") return `expected a string, found ${kind(answer)}.`;
    return answer.trim().toLowerCase() === expected.trim().toLowerCase() ? null : `${describe(answer)} is not the expected word.`;
  }
  if (typeof expected === "boolean") {
    if (typeof answer !== "boolean") return `expected true or false, found ${kind(answer)}.`;
    return answer === expected ? null : `${answer} is not right.`;
  }
  if (isMatrixLike(expected)) {
    if (!isMatrixLike(answer)) return `expected a ${expected.rows}×${expected.cols} matrix, found ${kind(answer)}.`;
    if (answer.rows !== expected.rows || answer.cols !== expected.cols)
      return `expected a ${expected.rows}×${expected.cols} matrix, found ${answer.rows}×${answer.cols}.`;
    return compareNumbers(answer.data, expected.data, tolerance, (i) => `entry (${Math.floor(i / expected.cols)}, ${i % expected.cols})`);
  }
  if (isNumberList(expected)) {
    if (!isNumberList(answer)) return `expected a list of ${expected.length} numbers, found ${kind(answer)}.`;
    if (answer.length !== expected.length) return `expected ${expected.length} numbers, found ${answer.length}.`;
    return compareNumbers(answer, expected, tolerance, (i) => `element ${i}`);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(answer)) return `expected a list of ${expected.length} items, found ${kind(answer)}.`;
    if (answer.length !== expected.length) return `expected ${expected.length} items, found ${answer.length}.`;
    for (let i = 0; i < expected.length; i++) {
      const problem = compare(answer[i], expected[i], tolerance);
      if (problem !== null) return `item ${i}: ${problem}`;
    }
    return null;
  }
  if (expected === null) return answer === null ? null : `expected null, found ${kind(answer)}.`;
  if (typeof expected === "object") {
    if (typeof answer !== "object" || answer === null) return `expected an object, found ${kind(answer)}.`;
    for (const key of Object.keys(expected as object)) {
      if (!(key in (answer as object))) return `your answer has no "${key}".`;
      const problem = compare((answer as any)[key], (expected as any)[key], tolerance);
      if (problem !== null) return `"${key}": ${problem}`;
    }
    return null;
  }
  return Object.is(answer, expected) ? null : `${describe(answer)} is not right.`;
}

function closeEnough(a: number, e: number, tolerance: number): boolean {
  if (a === e) return true; // also ±Infinity
  return Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e));
}

function compareNumbers(a: ArrayLike<number>, e: ArrayLike<number>, tolerance: number, where: (i: number) => string): string | null {
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || Number.isNaN(x)) return `${where(i)} is ${describe(x)}, not a number.`;
    if (!closeEnough(x, e[i], tolerance)) return `${where(i)} is ${fmt(x)}, which is not the expected value.`;
  }
  return null;
}

interface MatrixLike { rows: number; cols: number; data: ArrayLike<number> }

function isMatrixLike(v: unknown): v is MatrixLike {
  return typeof v === "object" && v !== null && typeof (v as any).rows === "number" && typeof (v as any).cols === "number"
    && isNumberList((v as any).data);
}

function isNumberList(v: unknown): v is ArrayLike<number> {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return typeof (v as any).length === "number" && typeof (v as any)[0] !== "bigint";
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number");
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length} items`;
  if (isMatrixLike(v)) return `a ${v.rows}×${v.cols} matrix`;
  if (v instanceof Float32Array) return "a Float32Array"; // (also one in WebAssembly memory, a subclass)
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === "object") return "an object";
  return `${describe(v)} (a ${typeof v})`;
}

function describe(v: unknown): string {
  if (typeof v === "number") return fmt(v);
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return "your list";
  if (typeof v === "object" && v !== null) return "your answer";
  return String(v);
}

function fmt(x: unknown): string {
  if (typeof x !== "number") return String(x);
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(6)).toString();
}
