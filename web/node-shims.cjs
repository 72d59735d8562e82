// What the page gets instead of Node's built-in modules (fs, path, zlib, module, os, worker_threads).
// lib/ reaches them only in functions that read files or start threads, which the page never calls:
// each name here throws, saying so, if it ever is called. The bundle maps the modules here (web/bundle).
function unavailable(name) {
  return function () {
    throw new Error(name + " is not available in a web page (lib/ called a Node-only function)");
  };
}
const names = [
  "readFileSync", "writeFileSync", "existsSync", "openSync", "closeSync", "readSync", "fstatSync", "statSync",
  "mkdirSync", "renameSync", "readdirSync", "unlinkSync", "join", "dirname", "basename", "resolve", "relative",
  "gunzipSync", "gzipSync", "createRequire", "availableParallelism", "cpus", "Worker",
];
for (const n of names) module.exports[n] = unavailable(n);
module.exports.sep = "/";
module.exports.workerData = null;
module.exports.isMainThread = true;
module.exports.parentPort = null;
