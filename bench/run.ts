// npm run bench: every benchmark section, one after the other, in one process and one run,
// so that figures printed side by side were measured on the same machine at the same time.
// Usage: npm run bench [-- section ...] [--reps N]   (sections: matmul, data, train, first-cell)
const sections: Record<string, () => Promise<{ run: () => Promise<void> | void }>> = {
  matmul: () => import("./matmul"),
  data: () => import("./data"),
  train: () => import("./train"),
  "first-cell": () => import("./first-cell"),
};

const args = process.argv.slice(2);
const wanted = args.filter((a, i) => !a.startsWith("-") && args[i - 1] !== "--reps");
for (const name of wanted) {
  if (!(name in sections)) {
    console.error(`bench: unknown section "${name}"; expected one of ${Object.keys(sections).join(", ")}`);
    process.exit(2);
  }
}
for (const [name, load] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const section = await load();
  await section.run();
}
export {};
