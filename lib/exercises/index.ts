// Every chapter's exercises: importing this file registers them (one line a chapter; see registry.ts).
import "./ch09";
import "./ch10";
export { registerExercises, findExercise, exerciseIds, exerciseId } from "./registry";
export type { ExerciseSpec } from "./registry";
