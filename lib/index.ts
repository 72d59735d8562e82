// The public face of the library: everything a notebook, a test or a benchmark imports.
// Notebooks: import { Dense, ReLU } from "./lib/index";   (the kernel runs in the project root)
export * from "./core/matrix";
export * from "./core/ops";
export * from "./engine/kernels";
export * from "./engine/kernels-js";
export * from "./engine/backend";
export * from "./core/random";
export * from "./nn/layers";
export * from "./nn/activations";
export * from "./nn/im2col";
export * from "./nn/conv";
export * from "./nn/pool";
export * from "./nn/layer-config";
export * from "./nn/losses";
export * from "./nn/chain";
export * from "./nn/sequential"; // Sequential, SequentialOptions (was ./nn/network)
export * from "./nn/models"; // mlp, MlpOptions, ActivationName, mnistCnn, CnnOptions (was ./nn/network and ./nn/cnn)
export { EVAL_BATCH_SIZE } from "./nn/evaluate"; // (was ./nn/network)
export * from "./nn/gradcheck";
export * from "./train/optimizers";
export * from "./train/adaptive";
export * from "./train/callbacks";
export * from "./train/train";
export { evaluateDataset, resolveLoss } from "./train/evaluate"; // (were in ./train/train)
export { checkTrainOptions, type TrainOptions, type TrainPlan } from "./train/train-checks";
export * from "./format";
export * from "./nn/persist";
export { checkOutputPaths, type NamedPath } from "./files";
export * from "./course/runs";
export * from "./data/idx";
export * from "./data/csv";
export * from "./data/dataset";
export * from "./data/mnist";
export * from "./course/plot";
export * from "./course/figures";
export * from "./course/charts";
export * from "./course/curves";
export * from "./course/probes";
export * from "./course/live";
export * from "./course/exercise";
export * from "./nn/batchnorm";
export * from "./nn/dropout";
export * from "./data/augment";
export * from "./course/claim";
export * from "./course/diagnostics";
export * from "./course/digit-image";
export * from "./course/widgets";
export * from "./course/numpy";

// train()'s plug-ins (issue 22: early stopping and augmentation are a callback and a transform the caller passes;
// the epoch lines are a callback). formatRecord moved here from ./train/train-checks.
export { EarlyStopping, type EarlyStoppingOptions } from "./train/early-stopping";
export { logEpochs, formatRecord } from "./train/log";
