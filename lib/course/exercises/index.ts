// Every chapter's exercises: importing this file registers them (one line a chapter; see registry.ts).
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
export { registerExercises, findExercise, exerciseIds, exerciseId, exercisesByChapter, type ExerciseSpec } from "./registry";
