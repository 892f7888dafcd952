import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MACHINES } from "../../app/dispatch/machines.js";
import { PROJECT_ROOT } from "../../infra/bundling.js";

// `npm run synth` end to end: the CDK CLI reads infra/cdk.json, runs infra/app.ts (with cdk-nag), bundles the
// functions locally and writes the cloud assembly. No AWS account or network is involved.
let out: string;
let result: ReturnType<typeof spawnSync>;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), "cdk-synth-"));
  result = spawnSync(
    join(PROJECT_ROOT, "node_modules", ".bin", "cdk"),
    ["synth", "-q", "--no-notices", "-o", out, "-c", "notificationEmail=admins@example.com", "-c", "workflowRunCostType=EXPRESS"],
    { cwd: join(PROJECT_ROOT, "infra"), encoding: "utf8", env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true" }, timeout: 240_000 },
  );
}, 250_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

test("cdk synth succeeds offline and cdk-nag reports nothing", () => {
  expect({ status: result.status, stderr: result.status === 0 ? "" : String(result.stderr).slice(-3000) }).toEqual({ status: 0, stderr: "" });
  const template = JSON.parse(readFileSync(join(out, "OrgFlows.template.json"), "utf8")) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const machines = Object.values(template.Resources).filter((r) => r.Type === "AWS::StepFunctions::StateMachine");
  // workflow-run-cost as asked; every other machine (onboarding, offboarding, team sync, backfills, redelivery) stays Standard
  const others = Object.keys(MACHINES).length - 1;
  expect(machines.map((m) => m.Properties.StateMachineType).sort()).toEqual(["EXPRESS", ...Array<string>(others).fill("STANDARD")]);
  const report = JSON.parse(readFileSync(join(out, "validation-report.json"), "utf8")) as { pluginReports: Array<{ conclusion: string }> };
  expect(report.pluginReports.filter((r) => r.conclusion !== "success")).toEqual([]);
  expect(existsSync(join(out, "manifest.json"))).toBe(true);
});
