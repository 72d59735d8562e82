export const USERNAME_RULE: RegExp;
export function csvFields(line: string, where: string): string[];
export function parseRoster(text: string, file?: string): string[];
export function parsePasswords(text: string): Map<string, string>;
export function formatPasswords(map: Map<string, string>): string;
export function randomPassword(randomBytes: (n: number) => Uint8Array): string;
export function parseBytes(text: string, option?: string): number;
