// npm run grade, for real (kernels): a class of made-up submissions, each trying one of the ways around the
// grader reported in issue 23, and submissions that attack the grading itself. Every bypass must end
// `wrong` (with a hint saying what is not allowed), printed verdicts and a redefined check() must count for
// nothing, and a submission must not reach the course, root's home, the next submission or outlive grading.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** tsx's command line, run by this Node (the grader is scripts/commands/grade.ts). */
const TSX_CLI = join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs");

const IMPORT = 'import { Matrix, check, im2col, convGeometry, MaxPool2D, Conv2D, Sigmoid, mlp, cosineLr, softmaxCrossEntropy } from "./lib/index";';
const tag = Math.random().toString(36).slice(2, 8);
const ROOT_FILE = `/root/grade-test-${tag}.txt`;

/** The chapter notebooks each made-up student hands in: { student: { "NN-name.ipynb": [cell source, …] } }. */
const CLASS: Record<string, Record<string, string[]>> = {
  // a printed verdict, a check() of one's own, the inline three-argument form
  printer: {
    "11-convolutions.ipynb": [
      IMPORT,
      'console.log("Exercise 11.1: Correct!\\nExercise 11.2: Correct!\\nExercise 11.3: Correct!\\nExercise 11.4: Correct!");',
      'const outputSide = 15;\nfunction myCheck(...args: unknown[]): void { console.log(`Exercise ${args[0]}: Correct!`); }\nmyCheck("11.1", outputSide);',
      "const colourParams = 7;\ncheck(\"11.2\", colourParams, 7);",
    ],
  },
  // replacing JavaScript's own functions: Math.abs = () => 0 would make every comparison pass; a hooked
  // fs.writeFileSync would rewrite the verdict on its way to the grader
  patcher: {
    "11-convolutions.ipynb": [
      IMPORT,
      "Math.abs = () => 0;\nconst outputSide = 15;",
      'const fs = require("fs"), write = fs.writeFileSync;\n' +
        'fs.writeFileSync = (p: string, d: string) => write(p, String(d).replace(/"(wrong|unanswered)"/, \'"correct"\'));\nconst colourParams = 7;',
    ],
  },
  library: {
    "11-convolutions.ipynb": [
      IMPORT,
      "const keep = im2col; // a reference kept before grading\n" +
        'const myIm2col = (image: number[][], k: number): number[][] => keep(Matrix.fromRows([image.flat()], "float64"), convGeometry("x", { channels: 1, height: image.length, width: image[0].length, kernel: k })).toRows();',
      "const myPoolBackward = (x: number[][], dY: number[][]): number[][] => {\n  const side = x.length;\n" +
        '  const pool = new MaxPool2D({ channels: 1, height: side, width: side, size: 2, dtype: "float64" });\n' +
        '  pool.forward(Matrix.fromRows([x.flat()], "float64"));\n  const d = pool.backward(Matrix.fromRows([dY.flat()], "float64")).data;\n' +
        "  return x.map((r, i) => r.map((_, j) => d[i * side + j]));\n};",
    ],
    "04-backpropagation.ipynb": [
      IMPORT,
      // a 1×1 convolution over 1×1 images is a dense layer: W' = Wᵀ
      "function asConv(W: Matrix): InstanceType<typeof Conv2D> {\n" +
        '  const conv = new Conv2D({ inChannels: W.rows, outChannels: W.cols, kernel: 1, height: 1, width: 1, dtype: "float64" });\n' +
        "  for (let i = 0; i < W.rows; i++) for (let j = 0; j < W.cols; j++) conv.weights.set(j, i, W.get(i, j));\n  return conv;\n}\n" +
        "const denseBackward = (X: Matrix, W: Matrix, dZ: Matrix) => {\n  const conv = asConv(W);\n  conv.forward(X);\n  const dX = conv.backward(dZ);\n" +
        '  const dW = Matrix.zeros(W.rows, W.cols, "float64");\n  for (let i = 0; i < W.rows; i++) for (let j = 0; j < W.cols; j++) dW.set(i, j, conv.dW.get(j, i));\n' +
        "  return { dW, db: conv.db.clone(), dX: dX.clone() };\n};",
      "const twoLayerBackward = (X: Matrix, Y: Matrix, W1: Matrix, b1: Matrix, W2: Matrix, b2: Matrix) => {\n" +
        "  const c1 = asConv(W1), c2 = asConv(W2);\n  c1.bias.data.set(b1.data); c2.bias.data.set(b2.data);\n" +
        "  const Z1 = c1.forward(X).clone();\n  const A1 = Z1.clone(); for (let k = 0; k < A1.data.length; k++) A1.data[k] = Math.max(0, A1.data[k]);\n" +
        "  const dZ2 = softmaxCrossEntropy(c2.forward(A1), Y).grad;\n  const dA1 = c2.backward(dZ2).clone();\n" +
        "  for (let k = 0; k < dA1.data.length; k++) if (Z1.data[k] <= 0) dA1.data[k] = 0;\n  c1.backward(dA1);\n" +
        '  const t = (M: Matrix) => { const T = Matrix.zeros(M.cols, M.rows, "float64"); for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) T.set(j, i, M.get(i, j)); return T; };\n' +
        "  return { dW1: t(c1.dW), db1: c1.db.clone(), dW2: t(c2.dW), db2: c2.db.clone() };\n};",
    ],
    "02-forward-pass.ipynb": [
      IMPORT,
      'const sigmoidDerivative = (z: number): number => {\n  const s = new Sigmoid();\n  s.forward(Matrix.fromRows([[z]], "float64"));\n  return s.backward(Matrix.fromRows([[1]], "float64")).data[0];\n};',
    ],
    "06-experiments.ipynb": [IMPORT, "const parameterCount = (sizes: number[]): number => mlp(sizes).parameterCount();"],
    "07-beyond-gradient-descent.ipynb": [IMPORT, "const myCosine = (epoch: number, baseLr: number): number => cosineLr(10)(epoch, baseLr);"],
  },
  // ways around that do not call the library
  crafty: {
    "03-loss-and-gradient.ipynb": [
      IMPORT,
      // a one-sided O(h²) stencil, plus an f(x − h) evaluated only to look centred
      "const numericalGradient = (f: (x: number[]) => number, x: number[]): number[] => x.map((_, i) => {\n" +
        "  const h = 1e-5;\n  const at = (d: number) => { const y = x.slice(); y[i] += d; return f(y); };\n  at(-h);\n" +
        "  return (-3 * f(x.slice()) + 4 * at(h) - at(2 * h)) / (2 * h);\n});",
    ],
    "08-making-it-fast.ipynb": [
      IMPORT,
      // the i-j-p order, on a copy of b, written back with c.set()
      "let transAB = (a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void => {\n" +
        "  const bb = b.slice(), out = new Float32Array(m * n);\n" +
        "  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < k; p++) s += a[p * m + i] * bb[p * n + j]; out[i * n + j] = s; }\n" +
        "  c.set(out);\n};",
    ],
    "09-deeper-networks.ipynb": [
      IMPORT,
      // finite differences through a rebuilt x (x̂ / invStd: batch norm does not see the mean)
      "const bnBackward = (dY: Matrix, xHat: Matrix, gamma: number[], invStd: number[]): Matrix => {\n" +
        '  const m = dY.rows, n = dY.cols, x = Matrix.zeros(m, n, "float64"), dX = Matrix.zeros(m, n, "float64");\n' +
        "  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) x.set(i, j, xHat.get(i, j) / invStd[j]);\n" +
        "  const loss = (): number => { let s = 0; for (let j = 0; j < n; j++) { let mean = 0, v = 0;\n" +
        "    for (let i = 0; i < m; i++) mean += x.get(i, j) / m;\n    for (let i = 0; i < m; i++) v += (x.get(i, j) - mean) ** 2 / m;\n" +
        "    const is = 1 / Math.sqrt(v + 1e-5);\n    for (let i = 0; i < m; i++) s += gamma[j] * (x.get(i, j) - mean) * is * dY.get(i, j); } return s; };\n" +
        "  for (let k = 0; k < m * n; k++) { const v = x.data[k]; x.data[k] = v + 1e-5; const up = loss(); x.data[k] = v - 1e-5; const down = loss(); x.data[k] = v; dX.data[k] = (up - down) / 2e-5; }\n" +
        "  return dX;\n};",
    ],
  },
  // attacks on the grading itself
  vandal: {
    "11-convolutions.ipynb": [
      IMPORT,
      'require("fs").writeFileSync("lib/course/exercise.ts", "export function assess() { return { status: \\"correct\\" }; }");',
      'require("fs").appendFileSync("lib/course/exercises/grading.ts", "\\n// changed");',
      `require("fs").writeFileSync(${JSON.stringify(ROOT_FILE)}, "written by a student");`,
      'require("child_process").spawn("sleep", ["987"], { detached: true, stdio: "ignore" }).unref();',
      "const outputSide = 15;",
    ],
  },
  zz_next: { "11-convolutions.ipynb": [IMPORT, "const outputSide = 15;\nconst colourParams = 896;"] },
  killer: { "11-convolutions.ipynb": [IMPORT, "const outputSide = 16;", 'process.kill(process.ppid, "SIGKILL");'] },
  hanger: { "11-convolutions.ipynb": [IMPORT, "const outputSide = 16;", "for (;;) {}"] }, // costs the whole --timeout
  broken: { "11-convolutions.ipynb": [] }, // not JSON at all: written below
};

let dir = "";
let rows: string[][] = [];
let html = "";
let stderr = "";

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  });
}

const status = (student: string, exercise: string) => rows.find((r) => r[0] === student && r[2] === exercise)?.[3];
/** The message the report gives for a student's exercise (the title of its cell, in the row of the notebook that has it). */
function message(student: string, exercise: string): string {
  const header = html.split("<tr>").find((r) => r.includes("<th>notebook</th>")) ?? "";
  const ids = [...header.matchAll(/<th>([^<]+)<\/th>/g)].map((m) => m[1]).slice(2);
  for (const row of html.split("<tr>").filter((r) => r.includes(`<td>${student}</td>`))) {
    const cells = [...row.matchAll(/<td(?: class="[^"]*" title="([^"]*)")?>/g)].slice(2);
    const title = cells[ids.indexOf(exercise)]?.[1];
    if (title !== undefined) return title.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  return "";
}

describe("a class of made-up submissions", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "grade-bypass-"));
    for (const [student, books] of Object.entries(CLASS)) {
      mkdirSync(join(dir, "class", student), { recursive: true });
      for (const [name, cells] of Object.entries(books)) writeFileSync(join(dir, "class", student, name), notebook(cells));
    }
    writeFileSync(join(dir, "class", "broken", "11-convolutions.ipynb"), "{ not a notebook");
    const r = spawnSync(process.execPath, [TSX_CLI, "scripts/commands/grade.ts", join(dir, "class"), "--csv", join(dir, "grades.csv"), "--html", join(dir, "report.html"), "--timeout", "240"], {
      encoding: "utf8", timeout: 1_500_000, env: { ...process.env, GRADE_EXERCISE_TIMEOUT: "180" },
    });
    stderr = r.stderr;
    if (r.status !== 0) throw new Error(`grade failed (${r.status}): ${r.stderr.slice(-2000)}`);
    rows = readFileSync(join(dir, "grades.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
    html = readFileSync(join(dir, "report.html"), "utf8");
    if (process.env.GRADE_TEST_KEEP) writeFileSync(process.env.GRADE_TEST_KEEP, `${stderr}\n${html}`);
  }, 1_600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(ROOT_FILE, { force: true });
  });

  describe("npm run grade: a verdict never comes from printed text", () => {
    it("printing 'Correct!' for every exercise gains nothing: the unanswered stay unanswered", () => {
      expect(status("printer", "11.3")).toBe("unanswered");
      expect(status("printer", "11.4")).toBe("unanswered");
    });
    it("replacing Math.abs or hooking fs.writeFileSync gains nothing: wrong, saying what was replaced", () => {
    expect(status("patcher", "11.1")).toBe("wrong");
    expect(message("patcher", "11.1")).toContain("the notebook replaced Math.abs");
    expect(status("patcher", "11.3")).toBe("wrong");
  });
  it("a check() of one's own and the inline three-argument form gain nothing: the answers are wrong", () => {
      expect(status("printer", "11.1")).toBe("wrong");
      expect(status("printer", "11.2")).toBe("wrong");
    });
  });

  describe("npm run grade: the library is off limits where the exercise says so", () => {
    for (const [student, id, says] of [
      ["library", "11.3", "(lib/nn/im2col) is off limits in exercise 11.3"],
      ["library", "11.4", "MaxPool2D.forward is off limits in exercise 11.4"],
      ["library", "4.1", "is off limits in exercise 4.1"],
      ["library", "4.2", "is off limits in exercise 4.2"],
      ["library", "2.2", "Sigmoid.forward is off limits in exercise 2.2"],
      ["library", "6.2", "is off limits in exercise 6.2"],
      ["library", "7.3", "is off limits in exercise 7.3"],
      ["crafty", "3.3", "use the centred difference, and only it"],
      ["crafty", "8.3", "it uses b.slice"],
      ["crafty", "9.2", "that is a numerical estimate, not the formula"],
    ] as const) {
      it(`${id} by the way reported in the issue: wrong, the hint saying "${says}"`, () => {
        expect(status(student, id)).toBe("wrong");
        expect(message(student, id)).toContain(says);
      });
    }
  });

  describe("npm run grade: each submission alone", () => {
    it("a notebook cannot change the course it is graded against, nor write in root's home", () => {
      expect(readFileSync("lib/course/exercise.ts", "utf8")).not.toContain('status: \\"correct\\"');
      expect(readFileSync("lib/course/exercises/grading.ts", "utf8")).not.toContain("// changed");
      expect(existsSync(ROOT_FILE)).toBe(false);
      expect(status("vandal", "11.1")).toBe("wrong");
      const vandalRow = html.split("<tr>").find((r) => r.includes("<td>vandal</td>")) ?? "";
      expect(vandalRow).toContain("error in code cell 2"); // its first write failed
      expect(status("zz_next", "11.1")).toBe("wrong"); // the next submission is graded by the course as it was
      expect(status("zz_next", "11.2")).toBe("correct");
    });
    it("a process a notebook started does not outlive the grading", () => {
      const left = spawnSync("pgrep", ["-f", "^sleep 987$"], { encoding: "utf8" }).stdout.trim();
      expect(left).toBe("");
    });
    it("a notebook that kills its parent, hangs or cannot be read costs only its own rows, each with the reason", () => {
      for (const student of ["killer", "hanger", "broken"]) {
        for (const id of ["11.1", "11.2", "11.3", "11.4"]) expect(status(student, id), `${student} ${id}`).toMatch(/^(error|correct|unanswered)$/);
      }
      expect(["hanger", "broken"].every((s) => status(s, "11.1") === "error")).toBe(true);
      expect(message("hanger", "11.1")).toContain("timed out");
      expect(message("broken", "11.1")).toContain("unreadable notebook");
      expect(status("zz_next", "11.2")).toBe("correct"); // graded after them
    });
    it("the report lists the notebooks that crashed or timed out and charts the share solved", () => {
      expect(html).toContain("<svg");
      expect(html).toMatch(/hanger\/11-convolutions\.ipynb: timed out/);
      expect(html).not.toMatch(/<script/i);
    });
    it("as root, each notebook runs as a grading account, never as root", () => {
      if (process.getuid?.() !== 0) return;
      expect(stderr).toMatch(/▶ printer\/11-convolutions\.ipynb {2}\(as mnist-grader\)/);
    });
  });
});

describe("npm run grade as an ordinary user", () => {
  let out = { status: -1 as number | null, stderr: "", csv: "" };
  const home = mkdtempSync(join(tmpdir(), "grade-nobody-"));
  beforeAll(() => {
    if (process.getuid?.() !== 0) return;
    const imp = 'import { Matrix } from "./lib/index";';
    const books: Record<string, string[]> = {
      killer: [imp, "const outputSide = 16;", 'process.kill(process.ppid, "SIGKILL");'],
      later: [imp, "const outputSide = 16;", 'require("child_process").spawn("sleep", ["989"], { detached: true, stdio: "ignore" }).unref();'],
    };
    for (const [student, cells] of Object.entries(books)) {
      mkdirSync(join(home, "class", student), { recursive: true });
      writeFileSync(join(home, "class", student, "11-convolutions.ipynb"), notebook(cells));
    }
    spawnSync("chmod", ["-R", "a+rwX", home]);
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, TSX_CLI, "scripts/commands/grade.ts",
      join(home, "class"), "--csv", join(home, "g.csv"), "--timeout", "240"], {
      encoding: "utf8", timeout: 900_000, env: { PATH: "/usr/bin:/bin", HOME: home },
    });
    out = { status: r.status, stderr: r.stderr, csv: existsSync(join(home, "g.csv")) ? readFileSync(join(home, "g.csv"), "utf8") : "" };
  }, 1_000_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("says once, before it starts, that the notebooks run with that user's rights", () => {
    if (process.getuid?.() !== 0) return; // (needs root to become another user)
    expect(out.status, out.stderr.slice(-1000)).toBe(0);
    expect(out.stderr.split("\n")[0]).toContain("the notebooks run with your rights");
    expect(out.stderr.match(/with your rights/g)).toHaveLength(1);
  });
  it("a notebook that kills its grader gets error rows with the reason; the next is graded; nothing is left running", () => {
    if (process.getuid?.() !== 0) return;
    expect(out.csv).toContain("killer,11-convolutions.ipynb,11.1,error");
    expect(out.stderr).toContain("did the notebook kill it?");
    expect(out.csv).toContain("later,11-convolutions.ipynb,11.1,correct");
    // (a process that is already dying when the command returns, such as tsx's esbuild service, gets a few seconds)
    const left = () => spawnSync("pgrep", ["-u", "65534"], { encoding: "utf8" }).stdout.trim();
    for (let i = 0; i < 20 && left() !== ""; i++) spawnSync("sleep", ["0.5"]);
    expect(spawnSync("ps", ["-o", "pid,ppid,etime,args", "-u", "65534"], { encoding: "utf8" }).stdout.trim().split("\n").slice(1)).toEqual([]);
  });
});
