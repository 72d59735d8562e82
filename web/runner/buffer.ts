// Node's Buffer in the runner's worker, as far as lib/ and the chapters use it: a Uint8Array whose toString
// takes an encoding (utf8, latin1, base64, hex) and whose subarray/slice stay Buffers (the species of a subclass),
// with from, alloc, concat, isBuffer and the big-endian reads of the IDX header. esbuild injects it as the free
// name `Buffer` (scripts/lib/runner-bundle.mjs) and the worker makes it global for the cells.
export class Buffer extends Uint8Array {
  // (typed loosely: Uint8Array.from has another signature, which this one must accept)
  static from(value: any, encodingOrOffset?: any, length?: any): any {
    if (typeof value === "string") {
      const enc = (typeof encodingOrOffset === "string" ? encodingOrOffset : "utf8").toLowerCase();
      if (enc === "base64") {
        const text = atob(value);
        const out = new Buffer(text.length);
        for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
        return out;
      }
      if (enc === "hex") {
        const out = new Buffer(value.length >> 1);
        for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
        return out;
      }
      if (enc === "latin1" || enc === "binary" || enc === "ascii") {
        const out = new Buffer(value.length);
        for (let i = 0; i < value.length; i++) out[i] = value.charCodeAt(i) & 0xff;
        return out;
      }
      const bytes = new TextEncoder().encode(value);
      const out = new Buffer(bytes.length);
      out.set(bytes);
      return out;
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const offset = typeof encodingOrOffset === "number" ? encodingOrOffset : 0;
      return new Buffer(value as ArrayBuffer, offset, length ?? value.byteLength - offset);
    }
    const list = value as ArrayLike<number>;
    const out = new Buffer(list.length);
    for (let i = 0; i < list.length; i++) out[i] = list[i];
    return out;
  }

  static alloc(n: number, fill = 0): Buffer {
    const b = new Buffer(n);
    if (fill !== 0) b.fill(fill);
    return b;
  }

  static allocUnsafe(n: number): Buffer {
    return new Buffer(n);
  }

  static isBuffer(v: unknown): v is Buffer {
    return v instanceof Buffer;
  }

  static byteLength(s: string): number {
    return new TextEncoder().encode(s).length;
  }

  static concat(list: Uint8Array[], total = list.reduce((n, b) => n + b.length, 0)): Buffer {
    const out = new Buffer(total);
    let at = 0;
    for (const b of list) {
      out.set(b.subarray(0, Math.min(b.length, total - at)), at);
      at += b.length;
      if (at >= total) break;
    }
    return out;
  }

  /** A Buffer over the same memory as `bytes` (no copy). */
  static view(bytes: Uint8Array): Buffer {
    return new Buffer(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
  }

  toString(encoding?: string, start = 0, end = this.length): string {
    const bytes = this.subarray(start, end);
    const enc = (encoding ?? "utf8").toLowerCase();
    if (enc === "base64") {
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
      return btoa(text);
    }
    if (enc === "hex") return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    if (enc === "latin1" || enc === "binary" || enc === "ascii") {
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
      return text;
    }
    return new TextDecoder().decode(bytes);
  }

  readUInt32BE(offset = 0): number {
    return new DataView(this.buffer, this.byteOffset, this.length).getUint32(offset, false);
  }

  readInt32BE(offset = 0): number {
    return new DataView(this.buffer, this.byteOffset, this.length).getInt32(offset, false);
  }

  readUInt8(offset = 0): number {
    return this[offset];
  }

  equals(other: Uint8Array): boolean {
    return this.length === other.length && this.every((b, i) => b === other[i]);
  }
}
