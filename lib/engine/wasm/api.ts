// The few WebAssembly APIs the library uses, typed here: TypeScript declares WebAssembly in its DOM
// library, which this project does not load (it runs in Node). Local types cannot clash with a global
// declaration another package might bring.
export interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The engine's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
