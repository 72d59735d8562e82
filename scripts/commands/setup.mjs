#!/usr/bin/env node
// Set-up that needs nothing typed by hand (the library that does it: scripts/lib/setup.mjs).
//
//   node scripts/commands/setup.mjs            what `npm start` needs: npm packages, Jupyter (classic Notebook,
//                                              nbclient, nbconvert) and the project-local tslab kernelspec
//   node scripts/commands/setup.mjs --for test the same, plus Chromium (the HTML check) and, where apt works,
//                                              python3-numpy (benchmarks only, optional)
//
// Every npm command runs it first; it imports nothing outside Node (node_modules may not exist yet).
import { fail, parseCommandLine } from "../lib/cli.mjs";
import { setup, SetupError } from "../lib/setup.mjs";

const { values } = parseCommandLine("setup", {
  options: { for: { type: "string" } },
  help: "Usage: node scripts/commands/setup.mjs [--for start|test]\n\nInstalls what the course needs and is missing (test: Chromium too).",
});
const purpose = values.for ?? "start";
if (purpose !== "start" && purpose !== "test") fail("setup", `--for: expected start or test, found ${JSON.stringify(purpose)}`);
try {
  await setup({ forTest: purpose === "test" });
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  process.stderr.write(`\nsetup failed: ${e.message}\n`);
  process.exit(1);
}
