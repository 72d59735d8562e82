// The messages between the page (web/runner/page.ts) and the runner's worker (web/runner/worker.ts).
export type ToWorker =
  | { type: "files"; files: Record<string, Uint8Array> } // paths relative to the project root
  | { type: "run"; id: number; cell: number; source: string };

export type FromWorker =
  | { type: "ready"; ms: number }
  | { type: "stream"; id: number; name: "stdout" | "stderr"; text: string }
  | { type: "html"; id: number; html: string; display?: number } // display: later outputs with it replace the first
  | { type: "done"; id: number; ms: number }
  | { type: "error"; id: number; text: string; line?: number; ms: number };
