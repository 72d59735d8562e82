export const DEFAULT_CULL_AFTER: string;
export function parseDuration(text: string, option?: string): number;
export function formatDuration(ms: number): string;
export interface HubUser {
  name: string;
  last_activity?: string | null;
  servers?: Record<string, { ready?: boolean; pending?: string | null; last_activity?: string | null; started?: string | null }>;
}
export interface Idle { name: string; idleMs: number; lastActivity: string | null }
export function serverIdleness(users: HubUser[], now: number): Idle[];
export function serversToCull(users: HubUser[], now: number, cullAfterMs: number): Idle[];
export function checkEveryMs(cullAfterMs: number): number;
export function cullOnce(options: { api: string; token: string; cullAfterMs: number; now?: number; fetchImpl?: typeof fetch }): Promise<{ culled: { name: string; idleMs: number }[]; failed: { name: string; status: number }[] }>;
export function currentCullAfter(settingsFile: string | undefined, fallback?: string): number;
