// Types of the helpers scripts/lib/setup.mjs exports, for the TypeScript scripts that use them (scripts/commands/book.ts).
export declare const ROOT: string;
export declare const JUPYTER_MODULES: string[];
export declare function jupyterEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function setup(options?: { forTest?: boolean }): Promise<void>;
export declare function findPython(
  required?: string[],
  optional?: string[],
): { exe: string; version: string; have: Record<string, boolean> } | null;
export declare function chromiumPath(): string | null;
export declare const KERNEL_NAME: string;
export declare const JUPYTER_DIR: string;
