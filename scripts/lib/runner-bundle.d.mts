export const RUNNER_BUNDLE: string;
export function buildRunnerBundle(): string;
export function ensureRunnerBundle(): string;
