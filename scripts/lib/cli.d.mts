// Types of scripts/lib/cli.mjs, for the TypeScript commands (train, book) and bench/run.ts.
import type { ParseArgsConfig } from "node:util";
type Options = NonNullable<ParseArgsConfig["options"]>;
export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  given: string[];
}
export declare class UsageError extends Error {}
export declare function fail(command: string, message: string, code?: number): never;
export declare function parseOptions(argv: string[], spec?: { options?: Options; allowPositionals?: boolean }): Parsed;
export declare function parseCommandLine(command: string, spec: { options?: Options; allowPositionals?: boolean; help?: string }, argv?: string[]): Parsed;
export declare function wholeNumberOrThrow(what: string, text: string, min: number, max: number): number;
export declare function wholeNumber(command: string, what: string, text: string, min: number, max: number): number;
