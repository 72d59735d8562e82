// Named command lines for `npm run train -- --preset NAME`: each reproduces a result of the course with all its
// options. The preset's arguments go before the user's, so a flag given on the command line overrides the preset's
// (`--preset best-mlp --epochs 5`). Add a preset to both tables below: its command line and the result it reproduces.

export interface Preset {
  /** what it trains and the result it reproduces */
  description: string;
  /** the command-line arguments, as typed after `npm run train --` */
  args: string[];
}

/** Each preset's command line, as typed after `npm run train --`. */
const commandLines = {
  "best-mlp": "--layers 784,512,512,10 --dropout 0.2 --augment --optimizer adam --lr 0.001 --schedule cosine --batch-size 128 --epochs 20 --train-metrics running --seed 1",
  cnn: "--arch cnn --filters 16,32 --hidden 128 --optimizer adam --lr 0.002 --schedule cosine --batch-size 64 --epochs 5 --train-metrics running --seed 1",
  lstm: "--arch lstm --hidden 128 --optimizer adam --lr 0.002 --schedule cosine --clip-norm 1 --batch-size 64 --epochs 6 --train-metrics running --seed 1",
  vit: "--arch vit --dim 64 --heads 4 --blocks 3 --hidden 128 --optimizer adamw --lr 0.002 --weight-decay 0.05 --schedule warmup-cosine --batch-size 128 --epochs 10 --train-metrics running --seed 1",
};

/** What each preset trains and the result it reproduces. */
const results: Record<keyof typeof commandLines, string> = {
  "best-mlp": "the best MLP of the course (chapter 10): 784-512-512-10 ReLU, dropout 0.2 after each hidden layer, shifted and rotated training images, Adam with a cosine schedule, 20 epochs; at least 98.7 % test accuracy",
  cnn: "chapter 11's convolutional network: conv 5×5×16, pool, conv 5×5×32, pool, dense 128, dense 10, Adam with a cosine schedule, 5 epochs; at least 99 % test accuracy (99.27 %)",
  lstm: "chapter 14's LSTM: a digit read top to bottom, 28 rows of 28 pixels, by an LSTM with 128 units, then a dense layer to the 10 classes; Adam with a cosine schedule, gradients clipped to norm 1, 6 epochs; at least 98.5 % test accuracy",
  vit: "chapter 15's vision transformer: 16 patches of 7×7, dim 64, 4 heads, 3 blocks, MLP 128, AdamW (decoupled decay 0.05) with a warm-up then cosine schedule, 10 epochs; at least 98 % test accuracy (98.37 %)",
};

export const presets: Record<string, Preset> = Object.fromEntries(
  Object.entries(commandLines).map(([name, line]) => [name, { description: results[name as keyof typeof commandLines], args: line.split(" ") }]),
);
