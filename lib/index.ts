// The public face of the library: everything a notebook, a test or a benchmark imports.
// Notebooks: import { Dense, ReLU } from "./lib/index";   (the kernel runs in the project root)
export * from "./matrix";
export * from "./ops";
export * from "./gemm";
export * from "./backend";
export * from "./random";
export * from "./layers";
export * from "./activations";
export * from "./im2col";
export * from "./conv";
export * from "./pool";
export * from "./layer-config";
export * from "./losses";
export * from "./network";
export * from "./cnn";
export * from "./gradcheck";
export * from "./optimizers";
export * from "./train";
export * from "./persist";
export * from "./data/idx";
export * from "./data/csv";
export * from "./data/mnist";
export * from "./plot";
export * from "./figures";
export * from "./curves";
export * from "./exercise";
export * from "./exercises/ch11";
