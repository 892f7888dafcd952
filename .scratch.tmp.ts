import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { esbuildOptions, LAMBDA_ENTRIES, PROJECT_ROOT } from "./infra/bundling.js";
import { apiGatewayEvent, PING_BODY } from "./test/lambda/events.js";
const variant = process.argv[2] ?? "";
const dir = mkdtempSync(join(tmpdir(), "wv-"));
const opts = esbuildOptions(process.argv[3] ?? LAMBDA_ENTRIES.webhook, join(dir, "index.mjs"));
if (variant.includes("ext")) { opts.external = ["@aws-sdk/*", "@smithy/*"]; symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules")); }
if (variant.includes("zod")) opts.plugins = [{ name: "zodns", setup(b) { b.onLoad({ filter: /work\/main\/app\/.*\.ts$/ }, async (a) => { const fs = await import("node:fs"); return { contents: fs.readFileSync(a.path, "utf8").replace('import { z } from "zod";', 'import * as z from "zod";'), loader: "ts" }; }); } }];
if (variant.includes("nosdk")) opts.plugins = [...(opts.plugins ?? []), { name: "nosdk", setup(b) { b.onResolve({ filter: /^@aws-sdk\/client-(sfn|secrets-manager)$/ }, () => ({ path: "x", namespace: "stub" })); b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export class SFNClient{} export class StartExecutionCommand{} export class ExecutionAlreadyExists{} export class SecretsManagerClient{} export class GetSecretValueCommand{}", loader: "js" })); } }];
if (variant.includes("noyaml")) opts.plugins = [...(opts.plugins ?? []), { name: "noyaml", setup(b) { b.onResolve({ filter: /^yaml$/ }, () => ({ path: "y", namespace: "stub2" })); b.onLoad({ filter: /.*/, namespace: "stub2" }, () => ({ contents: "export function parse(){} export function parseDocument(){} export default {}", loader: "js" })); } }];
const res = await build({ ...opts, metafile: true });
if (process.env.META) { const out = Object.values(res.metafile!.outputs).find((o) => o.entryPoint)!; const by: Record<string, number> = {}; for (const [f, m] of Object.entries(out.inputs)) { const k = f.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? f; by[k] = (by[k] ?? 0) + m.bytesInOutput; } console.log(Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 45).map(([k, v]) => `${(v / 1024).toFixed(1)} ${k}`).join("\n")); }
console.log("DIR", dir); console.log(variant, "size KB", (statSync(join(dir, "index.mjs")).size / 1024).toFixed(0));
const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
writeFileSync(join(dir, "r.mjs"), `const t0=performance.now();const {handler}=await import("./index.mjs");const t1=performance.now();const r=await handler(JSON.parse(process.env.EV));const t2=performance.now();console.log("import",(t1-t0).toFixed(0),"handle",(t2-t1).toFixed(0),"since-start",t2.toFixed(0), r.statusCode)`);
if (process.env.PROF) { const r = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/prof", "--cpu-prof-interval=100", join(dir, "r.mjs")], { env: { PATH: process.env.PATH, APP_ID: "1", PRIVATE_KEY: key, WEBHOOK_SECRET: "s", LOG_LEVEL: "warn", EV: JSON.stringify(apiGatewayEvent(PING_BODY, { secret: "s" })) } }); console.log(r.stdout.toString(), r.stderr.toString()); }
for (let i = 0; i < (process.env.PROF ? 0 : 4); i++) {
  const r = spawnSync(process.execPath, [join(dir, "r.mjs")], { env: { PATH: process.env.PATH, NODE_OPTIONS: variant.includes("maps") ? "--enable-source-maps" : "", APP_ID: "1", PRIVATE_KEY: key, WEBHOOK_SECRET: "s", LOG_LEVEL: "warn", EV: JSON.stringify(apiGatewayEvent(PING_BODY, { secret: "s" })) } });
  process.stdout.write(r.stdout.toString() + r.stderr.toString().slice(0, 300));
}
