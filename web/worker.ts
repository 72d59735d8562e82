// The playground's Web Worker: receives commands from the page, trains with the library, posts progress.
// Bundled on its own (web/bundle) and started by the page from a Blob, so it needs no file of its own.
import { Trainer, type TrainerCommand } from "./trainer";

const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };
const trainer = new Trainer((m) => scope.postMessage(m));
scope.onmessage = (e: MessageEvent) => trainer.handle(e.data as TrainerCommand);
