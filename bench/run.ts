// npm run bench: every benchmark section, one after the other, in one process and one run,
// so that figures printed side by side were measured on the same machine at the same time.
// Usage: npm run bench [-- section ...] [--reps N]   (sections: matmul, data, train, cnn, models, seq, first-cell, kernel-memory, classroom)
// `classroom` (a class of simulated students on JupyterHub, as root) runs only when named.
import { benchOptions } from "./options";

const sections: Record<string, () => Promise<{ run: () => Promise<void> | void }>> = {
  matmul: () => import("./matmul"),
  data: () => import("./data"),
  train: () => import("./train"),
  cnn: () => import("./cnn"),
  models: () => import("./models"),
  seq: () => import("./seq"),
  "first-cell": () => import("./first-cell"),
  "kernel-memory": () => import("./kernel-memory"),
  classroom: () => import("./classroom"),
};
const onlyWhenNamed = new Set(["classroom", "models"]); // long (several full epochs each)

const wanted = benchOptions().sections; // refuses a bad option, section or --reps before any section starts
for (const [name, load] of Object.entries(sections)) {
  if (wanted.length > 0 ? !wanted.includes(name) : onlyWhenNamed.has(name)) continue;
  console.log(`\n== ${name} ==`);
  const section = await load();
  await section.run();
}
export {};
