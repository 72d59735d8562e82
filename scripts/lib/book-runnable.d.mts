export const BOOK_DATA: Array<{ key: string; script: string; pattern: string }>;
export function runnableBlock(name: string): string;
export function copyRunnerAssets(assets: string): void;
