// Types of scripts/lib/lifeline.mjs.
import type { ChildProcess, SpawnOptions } from "node:child_process";
export declare const LIFELINE_FD: number;
export declare function spawnTied(cmd: string, args: string[], options?: SpawnOptions): ChildProcess;
export declare function onParentGone(callback: (why: string) => void, everyMs?: number, options?: { throughWrapper?: boolean }): void;
