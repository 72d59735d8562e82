// Lines for people: a training run's epochs as text. train() itself prints nothing; this callback does,
// where it is asked to: train(net, { …, callbacks: [logEpochs()] }) or logEpochs((line) => lines.push(line)).
import { formatLoss, formatPercent, formatSeconds } from "../format";
import type { EpochRecord, History, TrainCallback } from "./callbacks";

/** "epoch  3/10  train loss 0.1234 acc 96.12%  test loss 0.1100 acc 96.50%  2.31 s" */
export function formatRecord(r: EpochRecord, epochs?: number): string {
  const pad = epochs ? String(epochs).length : 1;
  const head = `epoch ${String(r.epoch).padStart(pad)}${epochs ? `/${epochs}` : ""}`;
  const test = r.testLoss !== undefined && r.testAccuracy !== undefined ? `  test loss ${formatLoss(r.testLoss)} acc ${formatPercent(r.testAccuracy)}` : "";
  return `${head}  train loss ${formatLoss(r.trainLoss)} acc ${formatPercent(r.trainAccuracy)}${test}  ${formatSeconds(r.seconds)} s`;
}

/**
 * A callback that writes a line per epoch (formatRecord) and, when training stops before its last epoch
 * (the loss diverged, or a callback such as EarlyStopping asked), why (history.stopped.reason).
 * Put it after the callbacks whose afterFit completes that reason (EarlyStopping).
 */
export function logEpochs(write: (line: string) => void = (line) => console.log(line)): TrainCallback {
  if (typeof write !== "function") throw new Error(`logEpochs: expected a function that takes a line, found ${String(write)}`);
  let epochs: number | undefined;
  return {
    beforeFit(start) {
      epochs = start.epochs;
    },
    afterEpoch(record: EpochRecord) {
      write(formatRecord(record, epochs));
    },
    afterFit(history: History) {
      if (history.stopped !== null) write(history.stopped.reason);
    },
  };
}
