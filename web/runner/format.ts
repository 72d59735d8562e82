// console.log's arguments as text, close to what Node (and so the notebook) prints: strings as they are,
// numbers, arrays `[ 1, 2, 3 ]`, typed arrays `Float32Array(3) [ … ]`, objects `{ a: 1 }` with their class name.
const MAX_ITEMS = 100;

export function formatArgs(args: unknown[]): string {
  if (typeof args[0] === "string" && /%[sdifoOj%]/.test(args[0])) {
    let i = 1;
    const first = args[0].replace(/%([sdifoOj%])/g, (m, c: string) => {
      if (c === "%") return "%";
      if (i >= args.length) return m;
      const v = args[i++];
      if (c === "d" || c === "i") return String(Math.trunc(Number(v)));
      if (c === "f") return String(Number(v));
      if (c === "s") return typeof v === "string" ? v : inspect(v, 1);
      return inspect(v, 2);
    });
    args = [first, ...args.slice(i)];
  }
  return args.map((a) => (typeof a === "string" ? a : inspect(a, 2))).join(" ");
}

export function inspect(v: unknown, depth = 2, seen: Set<unknown> = new Set()): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "undefined": return "undefined";
    case "string": return `'${v.replace(/'/g, "\\'")}'`;
    case "number": return Object.is(v, -0) ? "-0" : String(v);
    case "bigint": return `${v}n`;
    case "boolean": return String(v);
    case "symbol": return v.toString();
    case "function": return `[Function: ${(v as { name?: string }).name || "(anonymous)"}]`;
  }
  if (v instanceof Error) return v.stack ?? `${v.name}: ${v.message}`;
  if (seen.has(v)) return "[Circular]";
  if (v instanceof Date) return v.toISOString();
  if (v instanceof RegExp) return String(v);
  const list = (items: unknown[], total: number, open: string, close: string): string => {
    if (depth < 0) return `[Array]`;
    const next = new Set(seen).add(v);
    const parts = items.slice(0, MAX_ITEMS).map((x) => inspect(x, depth - 1, next));
    if (total > MAX_ITEMS) parts.push(`... ${total - MAX_ITEMS} more items`);
    return parts.length ? `${open} ${parts.join(", ")} ${close}` : `${open}${close}`;
  };
  if (Array.isArray(v)) return list(v, v.length, "[", "]");
  if (ArrayBuffer.isView(v) && "length" in v) {
    const a = v as unknown as ArrayLike<number>;
    return `${v.constructor.name}(${a.length}) ${list(Array.from({ length: Math.min(a.length, MAX_ITEMS + 1) }, (_, i) => a[i]), a.length, "[", "]")}`;
  }
  if (v instanceof Map) return `Map(${v.size}) ${list([...v].map(([k, x]) => new Pair(k, x)), v.size, "{", "}")}`;
  if (v instanceof Set) return `Set(${v.size}) ${list([...v], v.size, "{", "}")}`;
  if (v instanceof Pair) return `${inspect(v.k, depth, seen)} => ${inspect(v.v, depth, seen)}`;
  const name = (v as object).constructor?.name;
  const prefix = name && name !== "Object" ? `${name} ` : "";
  if (depth < 0) return `[${name || "Object"}]`;
  const next = new Set(seen).add(v);
  const keys = Object.keys(v as object);
  const parts = keys.slice(0, MAX_ITEMS).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${inspect((v as Record<string, unknown>)[k], depth - 1, next)}`);
  if (keys.length > MAX_ITEMS) parts.push(`... ${keys.length - MAX_ITEMS} more`);
  return parts.length ? `${prefix}{ ${parts.join(", ")} }` : `${prefix}{}`;
}

class Pair {
  constructor(readonly k: unknown, readonly v: unknown) {}
}
