/**
 * `npm run bench:lambda`: the webhook Lambda's bundle size and cold-start ready time, measured against an empty
 * `node -e ""` in the same run so that the ratio means something on any machine. Not a jest test.
 *
 * Cold start here = spawn `node` on a script that imports the bundle and hands it one signed ping, until the answer
 * is printed: module load, Probot's start (credentials, logger, Octokit, webhooks) and one delivery.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { BUNDLE, BUNDLE_FILE, esbuildOptions, WEBHOOK_ENTRY, LAMBDA_NODE_OPTIONS, PROJECT_ROOT } from "../../infra/bundling.js";
import { apiGatewayEvent, PING_BODY } from "../lambda/events.js";

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const SIZE_TARGET_KB = 800;
const RATIO_TARGET = 4;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Milliseconds from spawn until `until` appears on stdout (or until exit when `until` is undefined). */
function time(args: string[], env: NodeJS.ProcessEnv, until?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (until && out.includes(until)) finish();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (until && !done) reject(new Error(`no "${until}" (exit ${code}): ${out.slice(-500)}`));
      else finish();
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "webhook-bench-"));
  try {
    const outfile = join(dir, BUNDLE_FILE);
    await build(esbuildOptions(WEBHOOK_ENTRY, outfile));
    // Externals (if any) resolve from the project's node_modules, as they would from the runtime's on Lambda.
    if (BUNDLE.externalModules.length) symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const bytes = statSync(outfile).size;
    const mapBytes = statSync(`${outfile}.map`).size;

    const secret = "bench-secret";
    const event = apiGatewayEvent(PING_BODY, { event: "ping", secret });
    const runner = join(dir, "runner.mjs");
    writeFileSync(
      runner,
      `import { handler } from "./${BUNDLE_FILE}";\n` +
        `const res = await handler(JSON.parse(process.env.BENCH_EVENT));\n` +
        `process.stdout.write("ANSWER " + res.statusCode + "\\n");\n`,
    );
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const lambdaEnv = {
      PATH: process.env.PATH,
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      APP_ID: "1",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      LOG_LEVEL: "warn" as const,
      BENCH_EVENT: JSON.stringify(event),
    };
    const emptyEnv = { PATH: process.env.PATH };

    // One unmeasured round each warms the file cache; then alternate so that machine noise hits both alike.
    await time(["-e", ""], emptyEnv);
    await time([runner], lambdaEnv, "ANSWER 200");
    const empty: number[] = [];
    const lambda: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      empty.push(await time(["-e", ""], emptyEnv));
      lambda.push(await time([runner], lambdaEnv, "ANSWER 200"));
    }

    const kb = bytes / 1024;
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(" ");
    const ratio = median(lambda) / median(empty);
    console.log(`webhook bundle: ${kb.toFixed(1)} KB (${bytes} bytes; target <= ${SIZE_TARGET_KB} KB) ${kb <= SIZE_TARGET_KB ? "OK" : "OVER"}`);
    console.log(`  source map beside it: ${(mapBytes / 1024).toFixed(1)} KB (not loaded unless NODE_OPTIONS has --enable-source-maps)`);
    console.log(`  NODE_OPTIONS as deployed: ${JSON.stringify(LAMBDA_NODE_OPTIONS)}`);
    console.log(`cold start, ${ROUNDS} rounds each (ms), node ${process.version}:`);
    console.log(`  node -e ""              median ${median(empty).toFixed(1)}  min ${Math.min(...empty).toFixed(1)}   [${fmt(empty)}]`);
    console.log(`  bundle ready + 1 ping   median ${median(lambda).toFixed(1)}  min ${Math.min(...lambda).toFixed(1)}   [${fmt(lambda)}]`);
    console.log(
      `  ratio median ${ratio.toFixed(2)}x, min ${(Math.min(...lambda) / Math.min(...empty)).toFixed(2)}x (target <= ${RATIO_TARGET}x) ${ratio <= RATIO_TARGET ? "OK" : "OVER"}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
