// Prints every registered exercise, grouped by chapter, as JSON: {"1": ["1.1", "1.2", "1.3"], …}.
// Used by scripts/jupyter/grade.py to know which exercises a notebook NN-….ipynb should have.
import { exercisesByChapter } from "../../lib/course/exercises/index";

console.log(JSON.stringify(exercisesByChapter()));
