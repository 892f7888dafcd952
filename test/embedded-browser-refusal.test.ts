import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { setAppEnv } from "./helpers/app-env.js";

/** A web page in the operator's browser that finds the embedded ports can neither read the table nor start anything. */
let embedded: Embedded;
const endpoints = (): Array<[string, string, string]> => [
  ["dynamodb", process.env.AWS_ENDPOINT_URL_DYNAMODB!, "DynamoDB_20120810.ListTables"],
  ["sfn", process.env.AWS_ENDPOINT_URL_SFN!, "AWSStepFunctions.ListStateMachines"],
];

beforeAll(async () => {
  setAppEnv();
  embedded = await startEmbedded();
});
afterAll(() => embedded.stop());

test.each(["dynamodb", "sfn"])("%s: a request with an Origin header is refused, with no CORS header", async (name) => {
  const [, url, target] = endpoints().find((e) => e[0] === name)!;
  const res = await fetch(url, {
    method: "POST",
    headers: { origin: "https://evil.example", "content-type": "application/x-amz-json-1.0", "x-amz-target": target },
    body: "{}",
  });
  const text = await res.text();
  expect(res.status).toBe(403);
  expect(res.headers.get("access-control-allow-origin")).toBeNull();
  expect(text).not.toContain("TableNames");
  expect(text).not.toContain("stateMachines");
});

test.each(["dynamodb", "sfn"])("%s: a CORS preflight is refused", async (name) => {
  const [, url] = endpoints().find((e) => e[0] === name)!;
  const res = await fetch(url, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
  await res.arrayBuffer();
  expect(res.status).toBe(403);
  expect(res.headers.get("access-control-allow-origin")).toBeNull();
});

test("the SDK's own requests (no Origin) still work", async () => {
  const db = new DynamoDBClient({});
  const out = await db.send(new ListTablesCommand({}));
  db.destroy();
  expect(out.TableNames?.length).toBeGreaterThan(0);
});
