import { checkDelivery } from "../../app/webhook/delivery.js";
import { lowerCaseHeaders, rawBody } from "../../app/webhook/http.js";
import { createLogger, safeError } from "../../app/log.js";
import { apiGatewayEvent } from "./events.js";
import { sign } from "../../app/server/signature.js";

describe("http helpers", () => {
  test("header names are lower-cased; a name repeated in two cases is joined, so it cannot sneak past", () => {
    expect(lowerCaseHeaders({ "X-GitHub-Event": "ping", "content-type": "application/json", Absent: undefined })).toEqual({
      "x-github-event": "ping",
      "content-type": "application/json",
    });
    expect(lowerCaseHeaders({ "X-Hub-Signature-256": "sha256=a", "x-hub-signature-256": "sha256=b" })).toEqual({ "x-hub-signature-256": "sha256=a, sha256=b" });
    expect(lowerCaseHeaders(undefined)).toEqual({});
    expect(lowerCaseHeaders(null)).toEqual({});
  });

  test("the raw body: utf8 as given, base64 decoded to bytes, absent as empty", () => {
    const bytes = Buffer.from([0x7b, 0xc3, 0xa9, 0x7d]); // {é}
    expect(rawBody({ body: bytes.toString("base64"), isBase64Encoded: true })).toEqual(bytes);
    expect(rawBody({ body: "{é}", isBase64Encoded: false })).toEqual(bytes);
    expect(rawBody({ isBase64Encoded: false })).toEqual(Buffer.alloc(0));
  });
});

describe("checkDelivery", () => {
  test("a signed, named JSON object passes", () => {
    const checked = checkDelivery(apiGatewayEvent('{"zen":"x"}', { event: "ping", delivery: "d-1", secret: "s" }), "s");
    expect(checked).toEqual({
      ok: true,
      delivery: { id: "d-1", name: "ping", payload: { zen: "x" }, body: '{"zen":"x"}', signature: sign("s", '{"zen":"x"}') },
    });
  });

  test("the signature is checked first: with it missing, nothing else is reported", () => {
    const event = apiGatewayEvent("not json", { secret: null, headers: { "x-github-event": undefined } });
    expect(checkDelivery(event, "s")).toMatchObject({ ok: false, status: 401 });
  });

  test("an empty secret never authenticates anything", () => {
    expect(checkDelivery(apiGatewayEvent('{"a":1}', { secret: "" }), "")).toMatchObject({ ok: false, status: 401 });
  });
});

describe("logging", () => {
  test("safeError keeps name, message, status and stack; never the event Probot attaches", () => {
    const inner = Object.assign(new Error("boom"), { status: 502, event: { payload: { secret: "x" } }, request: { headers: { authorization: "token x" } } });
    const outer = Object.assign(new AggregateError([inner], "boom"), { event: { payload: { secret: "x" } } });
    const safe = safeError(outer);
    expect(JSON.stringify(safe)).not.toMatch(/secret|authorization/);
    expect(safe).toMatchObject({ type: "AggregateError", message: "boom", errors: [{ type: "Error", message: "boom", status: 502 }] });
  });

  test("the logger's serializers drop payloads and reduce events to their names", () => {
    const lines: string[] = [];
    const out = process.stdout.write;
    process.stdout.write = ((chunk: string) => lines.push(chunk) > 0) as typeof process.stdout.write;
    try {
      const log = createLogger({ LOG_LEVEL: "debug" });
      log.debug({ event: { id: "1", name: "issues", payload: { action: "opened", body: "private" } } }, "Webhook received");
      log.info({ payload: { body: "private" } }, "x");
      log.error(Object.assign(new Error("bad"), { event: { payload: { body: "private" } } }));
    } finally {
      process.stdout.write = out;
    }
    expect(lines.join("")).not.toContain("private");
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "debug", event: { id: "1", name: "issues", action: "opened" } });
  });
});
