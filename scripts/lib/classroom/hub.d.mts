export interface HubConfigOptions {
  state: string;
  students: string[];
  proxyCommand: string;
  nodeBin: string;
  memLimitBytes: number;
  maxProcesses: number;
  threads: number;
  cullerCommand?: string[] | null;
  activitySeconds?: number;
}
export function hubConfig(options: HubConfigOptions): string;
export function freePort(ip?: string, avoid?: number[]): Promise<number>;
export const KERNEL_INFO_TIMEOUT_SECONDS: number;
