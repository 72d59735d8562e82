import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    globalSetup: ["test/global-setup.ts"], // builds build/widgets.js when web/ or lib/ changed, as the set-up does
  },
});
