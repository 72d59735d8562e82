import type { Socket } from "net";
export interface ExecuteResult {
  status: string;
  stdout: string;
  stderr: string;
  error: string;
  seconds: number;
}
export class KernelChannel {
  static open(url: URL, cookie: string): Promise<KernelChannel>;
  constructor(socket: Socket, head: Buffer, options?: { reconnects?: number });
  /** how to connect again after a drop (set by open) */
  reopen: (() => Promise<{ socket: Socket; head: Buffer }>) | null;
  /** what ended each connection */
  drops: { afterSeconds: number; how: string }[];
  closed: boolean;
  id: string;
  execute(code: string, timeoutMs?: number): Promise<ExecuteResult>;
  onMessage(msg: unknown): void;
  close(): void;
}
