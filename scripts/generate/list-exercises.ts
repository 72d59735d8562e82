// Prints every registered exercise with the name its answer cell binds, grouped by chapter, as JSON:
// {"1": [{"id": "1.1", "answer": "readUint32BE"}, …], …}. Used by scripts/jupyter/grade.py to know which exercises a
// notebook NN-….ipynb has and which binding holds each answer.
import { exercisesByChapter } from "../../lib/course/exercises/index";

console.log(JSON.stringify(exercisesByChapter()));
