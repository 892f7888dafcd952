/**
 * `npm run bench:lambda`: the webhook Lambda's bundle size and cold-start ready time, measured against an empty
 * `node -e ""` in the same run so that the ratio means something on any machine. Not a jest test.
 *
 * Cold start here = spawn `node` on a script that imports the bundle and hands it one signed ping, until the answer
 * is printed: module load, Probot's start (credentials, logger, Octokit, webhooks) and one delivery. Twice: with the
 * App's credentials in environment variables (the figure the target is set on), and as deployed, reading them from
 * Secrets Manager (a stand-in endpoint in this process, so the SDK client is loaded, signs and sends one request).
 *
 * BENCH_NODE=/path/to/node runs both processes on another Node (Lambda runs nodejs22.x); ROUNDS sets the rounds.
 */
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { BUNDLE_FILE, esbuildOptions, WEBHOOK_ENTRY } from "../../infra/bundling.js";
import { apiGatewayEvent, PING_BODY } from "../lambda/events.js";

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const NODE = process.env.BENCH_NODE || process.execPath;
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
    const child = spawn(NODE, args, { env, stdio: ["ignore", "pipe", "inherit"] });
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

/** The bundle's bytes per package (or per top folder of the app), largest first. */
function byPackage(metafile: Metafile): Array<[string, number]> {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const sizes = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split("/").slice(0, 2).join("/");
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

/**
 * Answers GetSecretValue (AWS JSON 1.1) with the App's credentials, as Secrets Manager would. Over HTTPS like the
 * real endpoint, with a throwaway certificate from `openssl` when there is one: over plain HTTP the SDK imports
 * `node:http` at run time, which on Node 22 also loads Node's fetch implementation (tens of ms the AWS endpoint does
 * not cost).
 */
async function secretsManagerStandIn(dir: string, secretString: string): Promise<{ url: string; tls: boolean; close(): void }> {
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume().on("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:org-flows-app", Name: "org-flows-app", SecretString: secretString }));
    });
  };
  const [key, cert] = [join(dir, "stand-in.key"), join(dir, "stand-in.crt")];
  const openssl = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const tls = openssl.status === 0;
  const server = tls ? createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, answer) : createServer(answer);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`, tls, close: () => server.close() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "webhook-bench-"));
  try {
    const outfile = join(dir, BUNDLE_FILE);
    const { metafile } = await build({ ...esbuildOptions(WEBHOOK_ENTRY, outfile), metafile: true });
    // No node_modules beside it, as on Lambda: the externals (infra/bundling.ts) are never imported on these paths.
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
    const standIn = await secretsManagerStandIn(dir, JSON.stringify({ appId: "1", privateKey, webhookSecret: secret }));
    // As Lambda starts a function: no NODE_OPTIONS (see infra/bundling.ts), credentials of its role in the environment.
    const common = { PATH: process.env.PATH, LOG_LEVEL: "warn" as const, BENCH_EVENT: JSON.stringify(event) };
    const envCredentials = { ...common, APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: secret };
    const fromSecret = {
      ...common,
      APP_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:org-flows-app",
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDBENCH",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_SESSION_TOKEN: "bench",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
      // Lambda runs Node 22, where the SDK emits no warning about the Node version.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // The stand-in's certificate is its own: accepted without a CA (and without Node's warning about that).
      ...(standIn.tls ? { NODE_TLS_REJECT_UNAUTHORIZED: "0", NODE_NO_WARNINGS: "1" } : {}),
    };
    const emptyEnv = { PATH: process.env.PATH };

    // One unmeasured round each warms the file cache; then alternate so that machine noise hits all alike.
    await time(["-e", ""], emptyEnv);
    await time([runner], envCredentials, "ANSWER 200");
    await time([runner], fromSecret, "ANSWER 200");
    const empty: number[] = [];
    const lambda: number[] = [];
    const deployed: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      empty.push(await time(["-e", ""], emptyEnv));
      lambda.push(await time([runner], envCredentials, "ANSWER 200"));
      deployed.push(await time([runner], fromSecret, "ANSWER 200"));
    }
    standIn.close();

    const kb = bytes / 1024;
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(" ");
    const ratio = median(lambda) / median(empty);
    console.log(`webhook bundle: ${kb.toFixed(1)} KB (${bytes} bytes; target <= ${SIZE_TARGET_KB} KB) ${kb <= SIZE_TARGET_KB ? "OK" : "OVER"}`);
    console.log(
      `  largest parts: ${byPackage(metafile)
        .slice(0, 12)
        .map(([pkg, n]) => `${pkg} ${(n / 1024).toFixed(0)}`)
        .join(", ")} (KB)`,
    );
    console.log(`  source map beside it: ${(mapBytes / 1024).toFixed(1)} KB (read only when an error is logged)`);
    const version =
      (await new Promise<string>((resolve) => {
        let out = "";
        spawn(NODE, ["--version"])
          .stdout.on("data", (c: Buffer) => (out += c.toString()))
          .on("end", () => resolve(out.trim()));
      })) || "?";
    console.log(`cold start, ${ROUNDS} rounds each (ms), node ${version}:`);
    console.log(`  node -e ""                        median ${median(empty).toFixed(1)}  min ${Math.min(...empty).toFixed(1)}   [${fmt(empty)}]`);
    console.log(`  ready + 1 ping, env credentials   median ${median(lambda).toFixed(1)}  min ${Math.min(...lambda).toFixed(1)}   [${fmt(lambda)}]`);
    if (!standIn.tls) console.log("  (no openssl: the Secrets Manager stand-in answered over plain HTTP; on Node 22 that adds tens of ms)");
    console.log(`  ready + 1 ping, secret read       median ${median(deployed).toFixed(1)}  min ${Math.min(...deployed).toFixed(1)}   [${fmt(deployed)}]`);
    console.log(
      `  ratio median ${ratio.toFixed(2)}x, min ${(Math.min(...lambda) / Math.min(...empty)).toFixed(2)}x (target <= ${RATIO_TARGET}x) ${ratio <= RATIO_TARGET ? "OK" : "OVER"}`,
    );
    console.log(
      `  as deployed (secret read): ratio median ${(median(deployed) / median(empty)).toFixed(2)}x, min ${(Math.min(...deployed) / Math.min(...empty)).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
