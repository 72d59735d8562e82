// Named runs of `npm run train`: `npm run train -- --preset NAME` puts the preset's options before the user's
// (an option given on the command line overrides the preset's) and prints them.
export const presets: Record<string, { description: string; args: string[] }> = {
  cnn: {
    description: "chapter 11's convolutional network (conv 5×5×16, pool, conv 5×5×32, pool, dense 128, dense 10), Adam: ≥ 99 % test accuracy",
    args: ["--arch", "cnn", "--filters", "16,32", "--hidden", "128", "--optimizer", "adam", "--lr", "0.002", "--schedule", "cosine",
      "--batch-size", "64", "--epochs", "5", "--train-metrics", "running"],
  },
};
