export const COURSE_ENTRIES: string[];
export const MANIFEST: string;
export interface InstallReport { added: string[]; same: string[]; updated: string[]; beside: string[]; kept: string[] }
export function courseFiles(root: string): string[];
export function chapterNotebooks(root: string): string[];
export function besideName(rel: string, stamp: string): string;
export function installCourse(source: string, dest: string, stamp: string): InstallReport;
export function linkSharedModules(dest: string, shared: string): void;
export function copyRelease(root: string, out: string): string[];
