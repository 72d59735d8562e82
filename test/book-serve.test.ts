// npm run book (issue 28): --serve serves only files inside the site, after decoding and resolving the path
// (a sibling folder named like the site, "..", "%2e%2e", a link out of the site: all 404); a request it cannot
// decode gets 400 and the server goes on; an executed chapter that is damaged is refused naming the file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { readNotebook, resolveRequest, siteServer } from "../scripts/commands/book";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "book-serve-"));
const site = path.join(root, "book");
fs.mkdirSync(path.join(site, "assets"), { recursive: true });
fs.writeFileSync(path.join(site, "index.html"), "<h1>index</h1>");
fs.writeFileSync(path.join(site, "assets", "a.css"), "body{}");
fs.mkdirSync(path.join(root, "book-secret"));
fs.writeFileSync(path.join(root, "book-secret", "s.txt"), "secret");
fs.symlinkSync(path.join(root, "book-secret", "s.txt"), path.join(site, "link.txt"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("resolveRequest: only files inside the site", () => {
  const cases: Array<[string, number | string]> = [
    ["/", "index.html"],
    ["/assets/a.css", path.join("assets", "a.css")],
    ["/assets/a.css?v=1", path.join("assets", "a.css")],
    ["/../book-secret/s.txt", 404], // as curl --path-as-is sends it
    ["/%2e%2e/book-secret/s.txt", 404],
    ["/..%2fbook-secret%2fs.txt", 404],
    ["/assets/../../book-secret/s.txt", 404],
    ["/link.txt", 404], // a link that leads out of the site
    ["/nope.html", 404],
    ["/assets", 404], // a folder
    ["/%E0%A4%A", 400], // not UTF-8 once decoded: URIError before
    ["/a%00b", 400],
    ["relative", 400],
  ];
  for (const [url, want] of cases) {
    it(`${url} → ${want}`, () => {
      const r = resolveRequest(site, url);
      if (typeof want === "number") expect(r).toEqual({ status: want });
      else expect(r).toEqual({ file: path.join(site, want) });
    });
  }
});

describe("the server", () => {
  it("answers 400 to a malformed request and 404 outside the site, and goes on serving", async () => {
    const server = siteServer(site);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const get = (p: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: p, method: "GET" }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      expect((await get("/%E0%A4%A")).status).toBe(400);
      expect((await get("/../book-secret/s.txt")).status).toBe(404);
      const secret = await get("/%2e%2e/book-secret/s.txt");
      expect(secret.status).toBe(404);
      expect(secret.body).not.toContain("secret");
      const ok = await get("/index.html");
      expect(ok).toEqual({ status: 200, body: "<h1>index</h1>" });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("an executed chapter is checked before it is used, and a failure names the file", () => {
  const file = (name: string, text: string) => {
    const p = path.join(root, name);
    fs.writeFileSync(p, text);
    return p;
  };
  it("damaged JSON", () => {
    const p = file("02-damaged.ipynb", '{"cells": [{"cell_type": "markdown", "source": "unterminated');
    expect(() => readNotebook(p)).toThrow(/^book: .*02-damaged\.ipynb: cannot read the executed chapter: .*npm run notebooks -- notebooks\/02-damaged\.ipynb/);
  });
  it("no list of cells", () => {
    expect(() => readNotebook(file("03-nocells.ipynb", "{}"))).toThrow(/03-nocells\.ipynb: not a notebook \(expected an object with a list "cells"\)/);
  });
  it("a cell without source gets an empty one (nbconvert's traceback before)", () => {
    const nb = readNotebook(file("04-nosource.ipynb", JSON.stringify({ cells: [{ cell_type: "code", outputs: [] }] })));
    expect(nb.cells[0].source).toBe("");
  });
  it("a cell that is not a cell", () => {
    expect(() => readNotebook(file("05-badcell.ipynb", JSON.stringify({ cells: [42] })))).toThrow(/05-badcell\.ipynb: cell 1 is not a notebook cell/);
  });
});
