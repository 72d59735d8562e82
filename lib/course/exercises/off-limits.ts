// Puts parts of the library off limits while a student's answer runs (the exercise's `offLimits` in its
// registry entry). The library itself is wrapped as it loads, by the kernel's library guard
// (jupyter/kernels/tslab/library-guard.cjs); this file tells it what to block, and patches JavaScript's own
// functions (`builtins`) for the same time. Outside the kernel (vitest, tsx) only the builtins are blocked.
import type { ExerciseSpec, OffLimits } from "./registry";

interface LibraryGuard {
  block(rule: { exercise: string; why: string; layers?: boolean; modules?: string[]; names?: string[] }): () => void;
  active(): boolean;
  /** null, or the name of the first of JavaScript's or the library's functions a notebook replaced */
  intact(): string | null;
  /** writes a verdict with the functions kept at the kernel's start */
  writeVerdict(path: string, verdict: { nonce: string; id: string; status: string; message: string }): void;
}

const GUARD = Symbol.for("mnist-from-scratch.library-guard");

/** The kernel's library guard, or undefined where lib/ was not loaded through it. */
export function libraryGuard(): LibraryGuard | undefined {
  return (globalThis as unknown as Record<symbol, LibraryGuard | undefined>)[GUARD];
}

/** Replaces each builtin named by path ("DataView.prototype.getUint32") by one that throws; returns the undo. */
function blockBuiltins(exercise: string, off: OffLimits): () => void {
  const undo: (() => void)[] = [];
  for (const path of off.builtins ?? []) {
    const parts = path.split(".");
    const key = parts.pop() as string;
    let owner: any = globalThis;
    for (const p of parts) owner = owner?.[p];
    if (owner == null || typeof owner[key] !== "function") continue;
    const original = owner[key];
    owner[key] = () => {
      throw new Error(`${path} is off limits in exercise ${exercise}: ${off.why}`);
    };
    undo.push(() => (owner[key] = original));
  }
  return () => undo.reverse().forEach((u) => u());
}

/** Runs fn with what `off` names blocked (the library through the guard, builtins here); undone whatever happens. */
export function withOffLimits<T>(exercise: string, off: OffLimits | undefined, fn: () => T): T {
  if (off === undefined) return fn();
  const lift = libraryGuard()?.block({ exercise, why: off.why, layers: off.layers, modules: off.modules, names: off.names });
  const unpatch = blockBuiltins(exercise, off);
  try {
    return fn();
  } finally {
    unpatch();
    lift?.();
  }
}

/**
 * The answer as a test should call it: a function answer runs, every time it is called, with the exercise's
 * off-limits parts blocked. Other answers are returned as they are.
 */
export function guardedAnswer(spec: ExerciseSpec, answer: unknown): unknown {
  if (typeof answer !== "function" || spec.offLimits === undefined) return answer;
  const off = spec.offLimits;
  const f = answer as (...args: unknown[]) => unknown;
  return function (this: unknown, ...args: unknown[]) {
    return withOffLimits(spec.id, off, () => f.apply(this, args));
  };
}
