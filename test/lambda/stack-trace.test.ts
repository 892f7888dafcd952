import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { BUNDLE_FILE, esbuildOptions, PROJECT_ROOT } from "../../infra/bundling.js";

/**
 * The Lambdas run without --enable-source-maps; a logged error's stack is mapped through the map shipped beside the
 * bundle instead (app/source-mapped-stack.ts). Bundled with the stack's options, as deployed.
 */
let dir: string;
const entry = join(PROJECT_ROOT, "test/fixtures/logged-error.ts");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "stack-trace-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loggedStack(sub: string, keepMap: boolean): Promise<string> {
  const file = join(dir, sub, BUNDLE_FILE);
  await build(esbuildOptions(entry, file));
  if (!keepMap) rmSync(`${file}.map`);
  const mod = (await import(pathToFileURL(file).href)) as { loggedStack(): string | undefined };
  return mod.loggedStack() ?? "";
}

test("a logged stack points at the TypeScript line that threw, not at the minified bundle", async () => {
  const stack = await loggedStack("mapped", true);
  expect(stack).toMatch(/^Error: boom\n/);
  expect(stack).toContain("test/fixtures/logged-error.ts:6:");
  expect(stack).not.toContain(BUNDLE_FILE);
});

test("without a map beside the bundle, the stack is logged as it is", async () => {
  const stack = await loggedStack("unmapped", false);
  expect(stack).toContain(`${BUNDLE_FILE}:`);
  expect(stack).not.toContain("logged-error.ts");
});
