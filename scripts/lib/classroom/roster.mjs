// The class roster (a CSV with a `username` column) and the password list (`username,password`).
// Pure functions on text, so that the unit tests can check every message without root.

/** Unix user names we accept: what Debian's adduser accepts by default, and what JupyterHub keeps as is. */
export const USERNAME_RULE = /^[a-z_][a-z0-9_-]{0,31}$/;
const RULE_TEXT = "lowercase letters, digits, _ or -, starting with a letter or _, at most 32 characters";

/** Split one CSV line into fields: commas, double quotes ("a, b"), doubled quotes inside ("say ""hi"""). */
export function csvFields(line, where) {
  const fields = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`${where}: a quoted field is not closed (expected a closing ")`);
        if (line[i] === '"' && line[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (line[i] === '"') { i++; break; }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ",") throw new Error(`${where}: expected a comma after a quoted field, found "${line[i]}"`);
    } else {
      while (i < line.length && line[i] !== ",") field += line[i++];
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/**
 * The user names of a roster, in order. `file` names the roster in messages.
 * Refuses: no `username` column in the first line, an empty or invalid name, a name listed twice.
 */
export function parseRoster(text, file = "roster") {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = csvFields(lines[0] ?? "", `${file} line 1`).map((h) => h.toLowerCase());
  const column = header.indexOf("username");
  if (column < 0) {
    throw new Error(
      `${file}: expected a CSV whose first line names a "username" column (e.g. "username,name"), ` +
        `found the columns ${header.map((h) => `"${h}"`).join(", ") || "(none: the file is empty)"}`,
    );
  }
  const names = [];
  const seen = new Map();
  for (let n = 1; n < lines.length; n++) {
    if (lines[n].trim() === "") continue;
    const where = `${file} line ${n + 1}`;
    const name = csvFields(lines[n], where)[column] ?? "";
    if (name === "") throw new Error(`${where}: the username is empty`);
    if (!USERNAME_RULE.test(name)) {
      throw new Error(`${where}: "${name}" is not a valid Unix user name (expected ${RULE_TEXT})`);
    }
    if (seen.has(name)) throw new Error(`${where}: "${name}" is listed twice (first on line ${seen.get(name)})`);
    seen.set(name, n + 1);
    names.push(name);
  }
  if (names.length === 0) throw new Error(`${file}: the roster lists no students (only a header line)`);
  return names;
}

/** passwords.csv → Map username → password (an absent or empty file gives an empty map). */
export function parsePasswords(text) {
  const map = new Map();
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  for (const [n, line] of lines.entries()) {
    if (n === 0 && line.startsWith("username,")) continue;
    const [user, password] = csvFields(line, `passwords.csv line ${n + 1}`);
    if (user && password) map.set(user, password);
  }
  return map;
}

export function formatPasswords(map) {
  return ["username,password", ...[...map].map(([u, p]) => `${u},${p}`)].join("\n") + "\n";
}

/** A password of 16 characters from an alphabet without look-alikes (0/O, 1/l/I): about 90 bits. */
export function randomPassword(randomBytes) {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = randomBytes(64);
  let out = "";
  for (const b of bytes) {
    if (b >= 4 * alphabet.length) continue; // unbiased: reject the remainder
    out += alphabet[b % alphabet.length];
    if (out.length === 16) return out;
  }
  return out + randomPassword(randomBytes).slice(out.length);
}

/** "3G", "1500M", "512MiB", "1073741824" → bytes (for --mem-limit). */
export function parseBytes(text, option = "--mem-limit") {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`${option}: expected a size like 3G or 512M, found "${text}"`);
  return Math.round(Number(m[1]) * 1024 ** " KMGT".indexOf(m[2].toUpperCase() || " "));
}
