// npm run bench: every benchmark section, one after the other, in one process and one run,
// so that figures printed side by side were measured on the same machine at the same time.
// Usage: npm run bench [-- section ...]   (sections: matmul, data, train, cnn)
const sections: Record<string, () => Promise<{ run: () => Promise<void> | void }>> = {
  matmul: () => import("./matmul"),
  data: () => import("./data"),
  train: () => import("./train"),
  cnn: () => import("./cnn"),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
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
