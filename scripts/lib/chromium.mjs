// The one way the scripts start Chromium (the HTML check, the book check, the classroom test): headless, with
// the flags a container without a sandbox or a network needs, through playwright-core.
import { chromiumPath } from "./setup.mjs";

/** Chromium's flags for every check: headless, no sandbox (containers, root), nothing fetched in the background. */
export const CHROMIUM_FLAGS = Object.freeze([
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]);

export const NO_CHROMIUM = "Chromium not found (install the Debian package chromium, or set CHROMIUM_PATH)";

/**
 * Starts headless Chromium (playwright gives it a fresh temporary profile); resolves with the Browser.
 * Rejects with NO_CHROMIUM when there is none.
 */
export async function launchChromium() {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(NO_CHROMIUM);
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS] });
}
