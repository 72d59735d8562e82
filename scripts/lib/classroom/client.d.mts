import type { Socket } from "net";
export interface ExecuteResult {
  status: string;
  stdout: string;
  stderr: string;
  error: string;
  seconds: number;
}
export class KernelChannel {
  constructor(socket: Socket, head: Buffer);
  execute(code: string, timeoutMs?: number): Promise<ExecuteResult>;
  onMessage(msg: unknown): void;
  close(): void;
}
