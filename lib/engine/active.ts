// Which kernels (lib/engine/kernels.ts) do the arithmetic now. The maths ask activeKernels() at every operation;
// the first ask makes the choice: the chooser lib/engine/backend.ts registers when it is imported (the fastest
// that works here), or the plain loops when nothing registered one. Nothing is chosen at import time.
import { KERNEL_METHODS, type Kernels } from "./kernels";
import { jsKernels } from "./kernels-js";

let active: Kernels | null = null;
let chooser: (() => Kernels) | null = null;

/** Use these kernels from now on. Refuses an object that lacks a method, naming it. */
export function useKernels(k: Kernels): void {
  for (const method of KERNEL_METHODS) {
    if (typeof k[method] !== "function") throw new Error(`useKernels: kernels "${k.name}" have no ${method} function`);
  }
  active = k;
}

/** The kernels in use now; the first call makes the choice (see above). */
export function activeKernels(): Kernels {
  if (active === null) useKernels(chooser !== null ? chooser() : jsKernels);
  return active as Kernels;
}

/** How the first activeKernels() chooses, unless kernels were given with useKernels before (lib/engine/backend.ts). */
export function setKernelChooser(choose: () => Kernels): void {
  chooser = choose;
}
