// The exercises of the course, registered by name, one module a chapter (lib/course/exercises/ch05.ts …).
// A notebook's check cell names the exercise and gives the answer, nothing else:
//
//   check("5.2", shrinkFactor);
//
// The expected value or the test, and the hint, live here in lib/, out of the notebook's sight.
//
// Adding a chapter's exercises (e.g. chapter 9):
//   1. write lib/course/exercises/ch09.ts:
//        import { registerExercises } from "./registry";
//        registerExercises("9", [
//          { id: "9.1", expected: 42, hint: "…" },                                 // a value, compared
//          { id: "9.2", test: (f) => f(2) === 4 || "f(2) is not 4", hint: "…" },  // a test of the answer
//        ]);
//   2. add ONE line to lib/course/exercises/index.ts:   import "./ch09";
//   3. add a unit test in test/exercises.test.ts that the right answer passes and a wrong method fails.
// `test` returns true (right) or a string saying what is wrong (without giving the answer away); it may
// throw, which counts as wrong. `expected` is compared by lib/course/exercise.ts's compare() (numbers with a
// relative `tolerance`, default 1e-6; arrays and matrices entry by entry; strings ignoring case).
// The grader (npm run grade) lists a chapter's exercises from here: a notebook NN-….ipynb has chapter NN's.

export interface ExerciseSpec {
  /** "5.2": the name check() is called with (also accepted as "Exercise 5.2") */
  id: string;
  /** printed after a wrong answer */
  hint: string;
  /** the expected value (compared with compare()), unless `test` is given */
  expected?: unknown;
  /** relative tolerance for numbers in `expected` (default 1e-6) */
  tolerance?: number;
  /** decides the answer: true when right, else a sentence saying what is wrong */
  test?: (answer: any) => boolean | string;
}

const byId = new Map<string, ExerciseSpec & { chapter: string }>();

/** Registers a chapter's exercises. Throws on a duplicate id or an exercise with neither `expected` nor `test`. */
export function registerExercises(chapter: string, exercises: ExerciseSpec[]): void {
  for (const e of exercises) {
    if (byId.has(e.id)) throw new Error(`registerExercises(${chapter}): exercise "${e.id}" is registered twice`);
    if (e.test === undefined && e.expected === undefined) {
      throw new Error(`registerExercises(${chapter}): exercise "${e.id}" needs an expected value or a test`);
    }
    byId.set(e.id, { ...e, chapter });
  }
}

/** "Exercise 5.2", "exercise 5.2" and "5.2" all name exercise "5.2". */
export function exerciseId(name: string): string {
  return String(name).trim().replace(/^exercise\s+/i, "");
}

/** The registered exercise, or undefined. */
export function findExercise(name: string): (ExerciseSpec & { chapter: string }) | undefined {
  return byId.get(exerciseId(name));
}

/** The ids of every registered exercise (of one chapter, "5" or "05", if given), in registration order. */
export function exerciseIds(chapter?: string): string[] {
  const want = chapter === undefined ? undefined : String(Number(chapter));
  return [...byId.values()].filter((e) => want === undefined || String(Number(e.chapter)) === want).map((e) => e.id);
}

/** Every registered exercise id, grouped by chapter ("5": ["5.1", "5.2", …]). */
export function exercisesByChapter(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of byId.values()) (out[String(Number(e.chapter))] ??= []).push(e.id);
  return out;
}
