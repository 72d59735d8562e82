// The few uses of Node's Buffer that lib/ makes on paths the page takes (persist.ts: base64 of a model's
// parameters), with the browser's atob/btoa. Injected by the bundler (lib/course/widgets.ts) as the free name `Buffer`.
type Bytes = Uint8Array & { toString(encoding?: string): string };

function withBase64(bytes: Uint8Array): Bytes {
  const b = bytes as Bytes;
  b.toString = (encoding?: string) => {
    if (encoding !== "base64") return Uint8Array.prototype.toString.call(bytes);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
    return btoa(text);
  };
  return b;
}

export const Buffer = {
  from(value: string | ArrayBufferLike, encodingOrOffset?: string | number, length?: number): Bytes {
    if (typeof value === "string") {
      if (encodingOrOffset !== "base64") throw new Error(`Buffer.from: only base64 strings in the page, got ${String(encodingOrOffset)}`);
      const text = atob(value);
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
      return withBase64(out);
    }
    const offset = typeof encodingOrOffset === "number" ? encodingOrOffset : 0;
    return withBase64(new Uint8Array(value, offset, length ?? value.byteLength - offset));
  },
  alloc(n: number): Bytes {
    return withBase64(new Uint8Array(n));
  },
};
