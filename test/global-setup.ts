// Before the tests: the browser bundle the widget tests read (build/widgets.js), built as the set-up builds it.
import { ensureWidgetBundle } from "../scripts/lib/widget-bundle.mjs";

export default function setup(): void {
  ensureWidgetBundle();
}
