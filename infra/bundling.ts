import { fileURLToPath } from "node:url";

/**
 * How every Lambda of this project is bundled, in one place: the stack hands these to NodejsFunction (local
 * esbuild, no Docker) and the webhook tests and benchmark hand the same values to esbuild's API, so what is
 * tested and measured is what is deployed.
 */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

export const LAMBDA_ENTRIES = {
  webhook: fileURLToPath(new URL("../app/lambda/webhook.ts", import.meta.url)),
  enrichMember: fileURLToPath(new URL("../app/tasks/enrich-member.ts", import.meta.url)),
  priceRun: fileURLToPath(new URL("../app/tasks/price-run.ts", import.meta.url)),
} as const;

export const BUNDLE = {
  /** Lambda's nodejs22.x; the code itself also runs on the Node 20 used locally. */
  target: "node22",
  format: "esm",
  minify: true,
  sourceMap: true,
  /** Stack traces point at the TypeScript; the sources themselves stay out of the asset. */
  sourcesContent: false,
  /** ESM entry points first, so that CommonJS copies of dual packages are not pulled in. */
  mainFields: ["module", "main"],
  /**
   * Bundled CommonJS dependencies call `require` for Node built-ins; an ES module has none, so define one.
   * Also gives a `__dirname`-free bundle a working `require.resolve`.
   */
  banner: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);",
  /**
   * Nothing is external: the AWS SDK is bundled at the version we test with rather than whatever the runtime ships.
   */
  externalModules: [] as string[],
} as const;

/** The file name NodejsFunction gives an ESM bundle; Lambda's handler is `index.handler`. */
export const BUNDLE_FILE = "index.mjs";

/** The same options for esbuild's own API (tests and the benchmark), as NodejsFunction passes them to its CLI. */
export function esbuildOptions(entry: string, outfile: string): import("esbuild").BuildOptions {
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
    logLevel: "warning",
  };
}

/**
 * NODE_OPTIONS for every function. Source maps are shipped beside each bundle; Node only reads them with this flag.
 */
export const LAMBDA_NODE_OPTIONS = "--enable-source-maps";
