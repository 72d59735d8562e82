// The page's entry: mounts every digit pad ([data-digit-pad]) and playground ([data-playground]) on the
// page that is not mounted yet. Each widget's output carries this script, so it runs in the classic
// Notebook, in nbconvert's HTML export and in the book alike; running it twice mounts nothing twice.
import { mountPad } from "./pad";
import { mountPlayground } from "./playground";

function mountAll(): void {
  document.querySelectorAll<HTMLElement>("[data-digit-pad]:not([data-mounted])").forEach(mountPad);
  document.querySelectorAll<HTMLElement>("[data-playground]:not([data-mounted])").forEach(mountPlayground);
}

(window as unknown as { nnWidgets?: { mountAll(): void } }).nnWidgets = { mountAll };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
else mountAll();
