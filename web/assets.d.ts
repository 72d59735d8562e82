// Files the bundler puts inside the bundle (lib/course/widgets.ts: loader "binary").
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}
