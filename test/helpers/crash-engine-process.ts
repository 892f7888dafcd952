// Runs test/helpers/crash-engine.ts in a process of its own on `dataDir`, with a plan of executions and, optionally,
// the point at which it kills itself. Shared by the fault-injection tests of the recording and of the budget alerts.
import { spawn } from "node:child_process";
import type { KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface CrashPlan {
  crashAt?: string;
  executions: unknown[];
}

export interface CrashRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export function runCrashEngine(plan: CrashPlan, n: number, at: { dataDir: string; privateKey: KeyObject; githubHost: string }): Promise<CrashRun> {
  const file = join(at.dataDir, `plan-${n}.json`);
  writeFileSync(file, JSON.stringify(plan));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CRASH_PLAN: file,
    DATA_DIR: at.dataDir,
    APP_ID: "1",
    PRIVATE_KEY: at.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    WEBHOOK_SECRET: "unused",
    GHE_HOST: at.githubHost,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: "silent",
  };
  // The engine process starts its own embedded default on the data folder, not this process's.
  for (const k of [
    "AWS_ENDPOINT_URL_SFN",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "TABLE_NAME",
    "MEMBER_ONBOARDING_STATE_MACHINE_ARN",
    "WORKFLOW_RUN_COST_STATE_MACHINE_ARN",
    "NODE_OPTIONS",
  ])
    delete env[k];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./crash-engine.ts", import.meta.url))], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}
