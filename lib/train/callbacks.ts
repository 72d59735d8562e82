// What training tells the code that watches it: a callback, in the manner of fast.ai's, is an object
// with any of the methods below; train(net, { …, callbacks: [live.run("SGD"), probe] }) calls each
// callback's methods in list order. The live chart (lib/course/live.ts), the probes and step logs
// (lib/course/probes.ts), the command line's progress bar, and early stopping are all callbacks.
//
// The time callbacks take is left out of the epoch's `seconds`.

/** One epoch of training, as History keeps it. */
export interface EpochRecord {
  epoch: number; // 1-based
  updates: number; // parameter updates so far, all epochs included
  seconds: number; // wall-clock time of this epoch's training alone (no evaluation, no callbacks)
  trainLoss: number;
  trainAccuracy: number; // fraction in [0, 1]
  testLoss?: number;
  testAccuracy?: number;
  lr?: number; // the learning rate used in this epoch
}

/** One update, as afterStep sees it. */
export interface StepInfo {
  epoch: number; // 1-based
  step: number; // 1-based, within the epoch
  stepsPerEpoch: number;
  updates: number; // so far, all epochs
  loss: number; // of this batch
}

export interface History {
  epochs: EpochRecord[];
  /**
   * null when all epochs ran; otherwise where and why training stopped: the loss diverged (no `by`), or
   * a callback's afterEpoch asked to stop (`by: "callback"`, after the epoch `epoch`, which is kept).
   */
  stopped: null | { epoch: number; step: number; reason: string; by?: "callback" };
}

/** Called by train(); every method is optional. */
export interface TrainCallback {
  /**
   * After an update, every `stepEvery` updates (train's option, default 1) and after each epoch's last;
   * `info.loss` is the loss of that batch, measured before the update.
   */
  afterStep?(info: StepInfo): void;
  /**
   * After each completed epoch, once its record is in `history`. Return "stop" to end training there:
   * the other callbacks still see this epoch, then train() returns with history.stopped set.
   */
  afterEpoch?(record: EpochRecord, history: History): void | "stop";
  /** Once, when train() returns: all epochs done, diverged, or stopped by a callback. */
  afterFit?(history: History): void;
}
