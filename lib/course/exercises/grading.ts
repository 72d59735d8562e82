// The grader's side of an exercise, run by `npm run grade` in the student's kernel AFTER the student's cells,
// from a cell of its own (scripts/jupyter/grade_worker.py writes it):
//
//   import "./lib/course/exercises/hidden/index";                       // the teacher's expected values
//   import { gradeExercise as grade_NONCE } from "./lib/course/exercises/grading";
//   grade_NONCE("4.2", "/…/results/NONCE.json", "NONCE", SEED);
//
// It reads the value the student's cells bound to the exercise's `answer` name, decides it with the hidden
// expectation (or the public test on inputs drawn from SEED, fresh at each grading), the library off limits as
// the exercise says, and writes { nonce, id, status, message } to the result file: a path in a folder the
// student's code cannot list, named by a nonce that appears nowhere before this cell. Nothing the notebook
// printed and no check() it called counts, and a notebook that replaced one of JavaScript's or the library's
// functions (Math.abs = () => 0) is refused: the kernel's library guard kept them as they loaded.
import { writeFileSync } from "fs";
import { Random } from "../../core/random";
import { findExercise, findHidden, exerciseId, kindProblem } from "./registry";
import { guardedAnswer, libraryGuard } from "./off-limits";
import { compare, type ExerciseStatus } from "../exercise";
import "./index";

export interface GradeVerdict {
  nonce: string;
  id: string;
  status: ExerciseStatus | "error";
  message: string;
}

/** The student's top-level bindings, as tslab keeps them between cells (undefined outside a tslab kernel). */
function notebookBindings(): Record<string, unknown> | undefined {
  return (globalThis as unknown as { __tslab__?: { exports?: Record<string, unknown> } }).__tslab__?.exports;
}

/** The verdict on exercise `id` for the answer its notebook bound (see the top of this file). */
export function verdictFor(id: string, seed: number, bindings = notebookBindings()): { status: GradeVerdict["status"]; message: string } {
  const exercise = findExercise(id);
  if (exercise === undefined) return { status: "error", message: `no exercise "${exerciseId(id)}" is registered in this copy of the course` };
  const guard = libraryGuard();
  if (guard === undefined) return { status: "error", message: "the kernel runs without the library guard (jupyter/kernels/tslab/library-guard.cjs)" };
  const changed = guard.intact();
  if (changed !== null) return { status: "wrong", message: `the notebook replaced ${changed}: a graded notebook must leave JavaScript and the library as they are` };
  const answer = bindings?.[exercise.answer];
  if (answer === undefined) return { status: "unanswered", message: `${exercise.answer} is undefined or missing` };
  const hidden = findHidden(id);
  const test = hidden?.test ?? (hidden?.expected === undefined ? exercise.test : undefined);
  let problem: string | null;
  try {
    if (test !== undefined) {
      const verdict = kindProblem(exercise, answer) ?? test(guardedAnswer(exercise, answer), new Random(seed));
      problem = verdict === true ? null : typeof verdict === "string" && verdict ? verdict : "the answer is not right";
    } else if (hidden?.expected !== undefined) {
      problem = compare(answer, hidden.expected, hidden.tolerance ?? exercise.tolerance ?? 1e-6);
    } else {
      return { status: "error", message: `no expected value for ${exercise.id} in this copy of the course (lib/course/exercises/hidden/)` };
    }
  } catch (e) {
    problem = `testing the answer raised an error: ${e instanceof Error ? e.message : String(e)}`;
  }
  const changedWhileTested = guard.intact();
  if (changedWhileTested !== null) return { status: "wrong", message: `the answer replaced ${changedWhileTested} while it was tested: not allowed` };
  return problem === null ? { status: "correct", message: "" } : { status: "wrong", message: `${problem} (Hint: ${exercise.hint})` };
}

/** Decides exercise `id` and writes the verdict to `resultFile` (the grader reads it, checking the nonce). */
export function gradeExercise(id: string, resultFile: string, nonce: string, seed: number): void {
  let verdict: GradeVerdict;
  try {
    verdict = { nonce, id, ...verdictFor(id, seed) };
  } catch (e) {
    verdict = { nonce, id, status: "error", message: `the grader failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const guard = libraryGuard();
  if (guard !== undefined) guard.writeVerdict(resultFile, verdict); // fs and JSON as they were before any cell ran
  else writeFileSync(resultFile, JSON.stringify(verdict));
}
