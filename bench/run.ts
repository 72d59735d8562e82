// npm run bench: every benchmark section, one after the other, in one process and one run,
// so that figures printed side by side were measured on the same machine at the same time.
// Usage: npm run bench [-- section ...] [--reps N]   (sections: matmul, data, train, cnn, first-cell, classroom)
// `classroom` (a class of simulated students on JupyterHub, as root) runs only when named.
const sections: Record<string, () => Promise<{ run: () => Promise<void> | void }>> = {
  matmul: () => import("./matmul"),
  data: () => import("./data"),
  train: () => import("./train"),
  cnn: () => import("./cnn"),
  "first-cell": () => import("./first-cell"),
  classroom: () => import("./classroom"),
};
const onlyWhenNamed = new Set(["classroom"]);

const OPTIONS = ["--simple", "--reps"]; // matmul: also time the simple kernels; train, first-cell: repetitions (default 3)
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log(`Usage: npm run bench [-- section ...] [-- --simple] [-- --reps N]\n\nsections: ${Object.keys(sections).join(", ")} (default: all)`);
  process.exit(0);
}
for (const arg of args.filter((a) => a.startsWith("-"))) {
  if (!OPTIONS.includes(arg)) {
    console.error(`bench: unknown option ${arg}; expected a section (${Object.keys(sections).join(", ")}) or ${OPTIONS.join(", ")}`);
    process.exit(2);
  }
}
const wanted = args.filter((a, i) => !a.startsWith("-") && args[i - 1] !== "--reps");
for (const name of wanted) {
  if (!(name in sections)) {
    console.error(`bench: unknown section "${name}"; expected one of ${Object.keys(sections).join(", ")}`);
    process.exit(2);
  }
}
for (const [name, load] of Object.entries(sections)) {
  if (wanted.length > 0 ? !wanted.includes(name) : onlyWhenNamed.has(name)) continue;
  console.log(`\n== ${name} ==`);
  const section = await load();
  await section.run();
}
export {};
