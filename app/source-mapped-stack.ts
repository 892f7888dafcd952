import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * The Lambdas run without `--enable-source-maps`: with it, Node reads and indexes the bundle's source map at every
 * cold start, and on Node 22 pino's logger creation (`util.getCallSites`) makes it parse every mapping of it
 * (measured in the README's benchmarks). A stack trace is mapped here instead, when an error is logged: the map
 * shipped beside the bundle is read once, on the first error. Unbundled (tsx, jest), this file is a `.ts` with no
 * map beside it and stacks are left as they are.
 */
const self = fileURLToPath(import.meta.url);
let map: SourceMap | null | undefined;

function bundleMap(): SourceMap | null {
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${self}.map`, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
  }
  return map;
}

const FRAME = /(file:\/\/\/[^\s()]+|\/[^\s():]+):(\d+):(\d+)/g;

/** `stack` with each frame in the bundle replaced by its source position (`app/log.ts:39:16`). */
export function sourceMappedStack(stack: string): string {
  if (!self.endsWith(".mjs") && !self.endsWith(".js")) return stack;
  return stack.replace(FRAME, (frame: string, location: string, line: string, column: string) => {
    const file = location.startsWith("file://") ? fileURLToPath(location) : location;
    if (file !== self) return frame;
    const entry = bundleMap()?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !("originalSource" in entry)) return frame;
    // Sources are relative to where the bundle was built: keep the project-relative part.
    return `${entry.originalSource.replace(/^(\.\.\/)+/, "")}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
