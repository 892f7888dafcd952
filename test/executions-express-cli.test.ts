// `org-flows executions` against a Step Functions endpoint where workflow-run-cost is deployed as Express (the
// stack's `-c workflowRunCostType=EXPRESS`): Step Functions refuses to list or describe Express executions, and the
// command says where to read them instead of failing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { main } from "../app/cli/executions.js";
import type { CliIo } from "../app/cli/format.js";
import { SnsOutbox } from "../infra/local/sns-outbox.js";
import { startLocalStepFunctions, type LocalStepFunctions } from "../infra/local/stepfunctions-endpoint.js";
import type { Substitutions } from "../infra/substitutions.js";

const dir = mkdtempSync(join(tmpdir(), "express-cli-"));
for (const name of ["workflow-run-cost", "member-onboarding"])
  writeFileSync(join(dir, `${name}.asl.json`), JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Pass", End: true } } }));

let endpoint: LocalStepFunctions;
let sfn: SFNClient;
const saved = { ...process.env };
const credentials = { accessKeyId: "x", secretAccessKey: "x" };

beforeAll(async () => {
  endpoint = await startLocalStepFunctions({
    machinesDir: dir,
    machines: ["workflow-run-cost", "member-onboarding"].map((name) => ({ file: `${name}.asl.json`, name })),
    substitutions: {} as Substitutions,
    deps: { dynamo: new DynamoDBClient({ region: "us-east-1", credentials }), outbox: new SnsOutbox(undefined) },
    types: { "workflow-run-cost": "EXPRESS" },
  });
  Object.assign(process.env, {
    ORG_FLOWS_BACKEND: "aws",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "x",
    AWS_ENDPOINT_URL_SFN: endpoint.endpoint,
    WORKFLOW_RUN_COST_STATE_MACHINE_ARN: endpoint.machineArns["workflow-run-cost"],
    MEMBER_ONBOARDING_STATE_MACHINE_ARN: endpoint.machineArns["member-onboarding"],
  });
  sfn = new SFNClient({ endpoint: endpoint.endpoint, region: "us-east-1", credentials });
});

afterAll(async () => {
  process.env = saved;
  sfn.destroy();
  await endpoint.idle();
  await endpoint.close();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: {
      write: (s: string) => {
        out += s;
        return true;
      },
    },
    err: {
      write: (s: string) => {
        err += s;
        return true;
      },
    },
  };
  const code = await main(argv, io).catch((e: Error) => {
    err += e.message;
    return 2;
  });
  return { code, out, err };
}

test("the list shows the Standard machines' executions and says where the Express machine's are read", async () => {
  for (const m of ["workflow-run-cost", "member-onboarding"])
    await sfn.send(new StartExecutionCommand({ stateMachineArn: endpoint.machineArns[m], name: "e1", input: "{}" }));
  await endpoint.idle();
  const { code, out, err } = await cli();
  expect(code).toBe(0);
  expect(out).toMatch(/member-onboarding\W+e1\W+SUCCEEDED/);
  expect(out).not.toContain("workflow-run-cost");
  expect(err).toContain("workflow-run-cost runs as an Express workflow");
  expect(err).toContain("CloudWatch Logs log group (/aws/vendedlogs/states/<stack name>-workflow-run-cost)");
});

test("an Express execution asked for by ARN or by name is answered with where to look, not a stack trace", async () => {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: endpoint.machineArns["workflow-run-cost"], name: "e2" }));
  await endpoint.idle();
  const byArn = await cli(executionArn!);
  expect(byArn.code).not.toBe(0);
  expect(byArn.err).toContain("workflow-run-cost runs as an Express workflow");
  const byName = await cli("e2");
  expect(byName.err).toContain("no execution named 'e2'");
  expect(byName.err).toContain("workflow-run-cost runs as an Express workflow");
});

test("redrive --failed passes over the Express machine (it cannot be listed nor redriven)", async () => {
  const { code, err } = await cli("redrive", "--failed");
  expect(code).toBe(0);
  expect(err).toContain("Nothing to redrive");
});
