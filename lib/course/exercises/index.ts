// Every chapter's exercises, as students get them (feedback): importing this file registers them (one line a
// chapter; see registry.ts). The teacher's expected values and hidden tests: ./hidden/index.ts.
import "./ch01";
import "./ch02";
import "./ch03";
import "./ch04";
import "./ch05";
import "./ch06";
import "./ch07";
import "./ch08";
import "./ch09";
import "./ch10";
import "./ch11";
import "./ch12";
import "./ch13";
import "./ch14";
import "./ch15";
export {
  registerExercises, registerHidden, findExercise, findHidden, exerciseIds, exerciseId, exercisesByChapter, digestOf, digitsFor,
  canonical, feedbackRandom, kindProblem, type ExerciseSpec, type Exercise, type HiddenSpec, type OffLimits, type ExerciseTest,
} from "./registry";
