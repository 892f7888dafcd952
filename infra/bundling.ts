import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * How every Lambda of this project is bundled, in one place: the stack hands these to NodejsFunction (local
 * esbuild, no Docker) and the webhook tests and benchmark hand the same values to esbuild's API, so what is
 * tested and measured is what is deployed.
 */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The webhook's front door; the task entries are in app/tasks/registry.ts. */
export const WEBHOOK_ENTRY = fileURLToPath(new URL("../app/webhook/webhook.lambda.ts", import.meta.url));

/** The notification topic's chat subscriber (deployed only with chat context). */
export const CHAT_NOTIFY_ENTRY = fileURLToPath(new URL("../app/notifications/chat.lambda.ts", import.meta.url));

/** A registry entry's path, absolute. */
export function entryPath(entry: string): string {
  return join(PROJECT_ROOT, entry);
}

export const BUNDLE = {
  /** Lambda's nodejs24.x (supported to 2028-04-30); CI runs the tests on Node 24 too (.ci/run). */
  target: "node24",
  format: "esm",
  minify: true,
  /**
   * Shipped beside the bundle but not loaded at start (no `--enable-source-maps`, which cost a large share of the
   * cold start): app/source-mapped-stack.ts reads it when an error is logged, so logged stacks still point at the
   * TypeScript. The sources themselves stay out of the asset.
   */
  sourceMap: true,
  sourcesContent: false,
  /** ESM entry points first, so that CommonJS copies of dual packages are not pulled in. */
  mainFields: ["module", "main"],
  /** Bundled CommonJS dependencies call `require` (for Node built-ins); an ES module has none, so define one. */
  banner: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);",
  /**
   * The AWS SDK is bundled, not taken from the runtime: the bundle runs the SDK version the tests ran, and one
   * minified file loads faster than the SDK's many files (measured here: ~300 ms vs ~480 ms to ready). The one
   * exception is the SDK's event-stream support, which it imports on demand for streaming operations only: none of
   * the Lambdas calls one (16 KB of the webhook bundle; if one ever did, the import would fail loudly).
   */
  externalModules: ["@smithy/core/event-streams"] as string[],
  /**
   * Packages swapped for smaller ones that do the same on Lambda (`npm run bench:lambda` measures the result; see
   * the README's benchmarks). Paths are resolved from the project root.
   * - The SDK's default credential chain: Lambda gives credentials in environment variables, the chain's first link
   *   and the one it stops at there; the other links were 130 KB of the webhook bundle.
   * - pino-pretty: only Probot's own logger uses it, and the Lambdas always give Probot app/log.ts's logger.
   * - Bottleneck: Probot imports the full build only for Redis clustering, which the Lambdas never configure; the
   *   light build (what Octokit's plugins use) serves every import of it.
   */
  alias: {
    "@aws-sdk/credential-provider-node": "./app/lambda-substitutes/aws-credentials.ts",
    "pino-pretty": "./app/lambda-substitutes/pino-pretty.ts",
    bottleneck: "./app/lambda-substitutes/bottleneck",
  } as Record<string, string>,
} as const;

/** The file name NodejsFunction gives an ESM bundle; Lambda's handler is `index.handler`. */
export const BUNDLE_FILE = "index.mjs";

/** What NodejsFunction cannot say with its own bundling options, as esbuild CLI arguments (it runs in PROJECT_ROOT). */
export const ESBUILD_ARGS: Record<string, string[]> = {
  "--alias": Object.entries(BUNDLE.alias).map(([from, to]) => `${from}=${to}`),
};

/** The same options for esbuild's own API (tests and the benchmark), as NodejsFunction passes them to its CLI. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: BUNDLE.target,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    external: [...BUNDLE.externalModules],
    alias: { ...BUNDLE.alias },
    absWorkingDir: PROJECT_ROOT,
    logLevel: "warning",
  };
}
