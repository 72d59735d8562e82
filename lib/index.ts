// The public face of the library: the names the notebooks, the tests, the benchmarks and the command line use,
// listed one by one. Everything else stays reachable by its module path (e.g. "./lib/engine/kernels-js").
// Notebooks:  import { Dense, ReLU } from "./lib/index";   (the kernel runs in the project root)
// Importing this file does nothing heavy: the kernels are chosen at the first operation (or by setBackend).
// ARCHITECTURE.md says which folder holds what.

// ── Numbers: the Matrix and the operations on it (lib/core/) ───────────────────────────────────────────────
export { Matrix, longLived, type DType } from "./core/matrix";
export {
  matmul, matmulTransA, matmulTransB, matmulBias, matmulBiasRelu, matmulTransBMask, transpose, addRowVector, sumRows, relu, reluBackward, map, add, sub,
  hadamard, scale, addScaled, copy, argmaxRows, softmaxRows,
} from "./core/ops";
export { Random } from "./core/random";

// ── Layers, losses and networks (lib/nn/) ──────────────────────────────────────────────────────────────────
export { Layer, Dense, type Param, type ParamRole, type LayerConfig, type Init, type DenseOptions } from "./nn/layers";
export { Activation, ReLU, Sigmoid, Tanh, Softmax } from "./nn/activations";
export { convOutputSize, convGeometry, im2col, col2im, type ConvGeometry } from "./nn/im2col";
export { Conv2D, type Conv2DOptions } from "./nn/conv";
export { MaxPool2D, Flatten, type MaxPool2DOptions } from "./nn/pool";
export { BatchNorm, type BatchNormOptions } from "./nn/batchnorm";
export { Dropout, type DropoutOptions } from "./nn/dropout";
export { layerFromConfig, size } from "./nn/layer-config";
export { softmaxCrossEntropy, crossEntropy, mse, logSumExp, type LossResult, type LossFn } from "./nn/losses";
export { Sequential, type SequentialOptions } from "./nn/sequential";
export { mlp, mnistCnn, type MlpOptions, type ActivationName, type CnnOptions } from "./nn/models";
export {
  relativeError, gradcheckLayer, gradcheckLoss, gradcheckNetwork, type GradcheckResult, type GradcheckOptions,
} from "./nn/gradcheck";
export { saveModel, loadModel, modelToJson, modelFromJson, type ModelFile } from "./nn/persist";

// ── Sequences (chapter 14): recurrent layers, the row-by-row networks (gradient clipping is with training) ─────
export { RNN, type RNNOptions } from "./nn/rnn";
export { LSTM, type LSTMOptions } from "./nn/lstm";
export { orthogonal, type RecurrentOptions } from "./nn/sequence";
export { mnistRecurrent, type RecurrentNetOptions } from "./nn/recurrent-net";

// ── Attention (chapter 15): the transformer's layers, the model, its maps ────────────────────────────────────────
export { LayerNorm, type LayerNormOptions } from "./nn/layernorm";
export { MultiHeadAttention, type MultiHeadAttentionOptions } from "./nn/attention";
export { TokenDense, type TokenDenseOptions } from "./nn/tokens";
export { Patches, Positions, MeanTokens } from "./nn/patches";
export { Residual } from "./nn/residual";
export { mnistVit, type VitOptions } from "./nn/vit";

// ── Automatic differentiation (lib/autograd/, chapter 13): Value (scalars) and Tensor (matrices) ─────────────
export { Value } from "./autograd/value";
export { Tensor, type TensorOptions } from "./autograd/tensor";
export { topologicalOrder, type GraphNode } from "./autograd/graph";

// ── Training: optimizers, schedules, the loop and its callbacks (lib/train/) ───────────────────────────────
export {
  gd, momentum, nesterov, adam, makeOptimizer, optimizerNames, constantLr, stepDecay, cosineLr, makeSchedule,
  scheduleNames, type OptimizerName, type Schedule, type ScheduleName,
} from "./train/optimizers";
export { adagrad, rmsprop } from "./train/adaptive";
export { adamw, type AdamWOptions } from "./train/adamw";
export { warmupCosine, defaultWarmup } from "./train/schedules";
export type { Optimizer, DecayOptions } from "./train/optimizer-types";
export { train } from "./train/train";
export { evaluateDataset } from "./train/evaluate";
export { checkTrainOptions, type TrainOptions } from "./train/train-checks";
export type { EpochRecord, StepInfo, History, TrainCallback, BatchTransform, FitStart } from "./train/callbacks";
// train()'s plug-ins: early stopping and the epoch lines are callbacks; augmentation (Augmenter, below) a transform
export { EarlyStopping, type EarlyStoppingOptions } from "./train/early-stopping";
export { logEpochs, formatRecord } from "./train/log";
export { globalGradNorm, clipGradNorm, withGradientClipping, type ClippedOptimizer } from "./train/clipping";

// ── Data: MNIST, CSV, IDX, data sets and augmentation (lib/data/) ──────────────────────────────────────────
export { loadMnist, mnistDir, type Split, type LoadMnistOptions } from "./data/mnist";
export { parseIdx, readIdx } from "./data/idx";
export { loadCsv, readDigitsCsv, type CsvOptions } from "./data/csv";
export {
  oneHot, classCounts, shuffleDataset, splitDev, batches, CLASSES, type Dataset, type Batch, type BatchOptions,
} from "./data/dataset";
export { Augmenter, type AugmentOptions } from "./data/augment";

// ── The engine: which kernels run the arithmetic (lib/engine/; chapter 8 looks inside) ─────────────────────
export { setBackend, getBackend, backendInfo, wasmBackendKernels, type BackendName, type BackendOptions, type BackendInfo } from "./engine/backend";
export { jsKernels } from "./engine/kernels-js";
export type { Kernels, FloatArray } from "./engine/kernels";

// ── The course's tools: plots, live charts, probes, exercises, claims, widgets (lib/course/) ──────────────
export { loadPlotly, show, showHtml, type Figure, type Trace } from "./course/plot";
export { digitGrid, weightImages, digitImage } from "./course/figures";
export { histogram, confusionMatrix, confusionHeatmap, functionPlot, barChart, seriesPlot } from "./course/charts";
export {
  trainingCurves, runsTable, stepLossCurves, PALETTE, type Run, type Runs, type CurveOptions,
} from "./course/curves";
export { scheduleCurves } from "./course/schedule-curves";
export { LiveCurves } from "./course/live";
export { Probe } from "./course/probes";
export { readRun, readRunIfPresent } from "./course/runs";
export {
  activationsByLayer, gradientNorms, deadUnits, updateRatios, copyWeights, layerHistograms,
} from "./course/diagnostics";
export { mnistPreprocess, inkBox } from "./course/digit-image";
export { drawDigit, playground } from "./course/widgets";
export { check, compare } from "./course/exercise";
export { claim } from "./course/claim";
export { courseChapters, notebookTitle, chapterTableHtml, type CourseChapter } from "./course/chapters";
export { graphFigure, type DrawableNode, type GraphFigureOptions } from "./course/graph-figure";
export { attentionLayers, attentionRollout, patchesToPixels } from "./course/attention-maps";
export { findNumpy, describeNumpy, numpyEnv } from "./course/numpy";
export { profileSteps, formatProfile, type ProfileLine } from "./course/profile";

// ── Files and formats ─────────────────────────────────────────────────────────────────────────────────────
export { formatPercent, formatLoss, formatSeconds, formatCount } from "./format";
