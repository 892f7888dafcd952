import { afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { cursorFromItem, cursorItem, summarise, type ListDeliveriesOutput } from "../app/redelivery/contract.js";
import {
  afterCursor,
  idsAsStrings,
  listDeliveriesAfter,
  MAX_REDELIVERIES,
  planSweep,
  REDELIVERY_WINDOW_MS,
  sweepStart,
  type Delivery,
} from "../app/redelivery/deliveries.js";
import { appOctokit, resetInstallationClients } from "../app/github/octokit.js";
import { handler as listDeliveries } from "../app/tasks/list-deliveries.lambda.js";
import { handler as redeliver } from "../app/tasks/redeliver.lambda.js";
import { readFileSync } from "node:fs";
import { API, onlyLoopback, useTestApp } from "./fixtures/jobs-github.js";

const BIG = "12345678901234567891"; // above 2^53: a JS number would round it
const BIGGER = "98765432109876543210";
const d = (id: string, guid: string, at: string, status = "OK", redelivery = false): Delivery => ({
  id,
  guid,
  delivered_at: at,
  redelivery,
  status,
  status_code: status === "OK" ? 200 : 502,
  event: "workflow_run",
  action: "completed",
});
/** A page as GitHub writes it: ids as bare JSON numbers. */
const raw = (ds: Delivery[]): string => JSON.stringify(ds).replace(/"id":"(\d+)"/g, '"id":$1');

beforeAll(() => {
  onlyLoopback();
  useTestApp();
});
afterEach(() => {
  nock.cleanAll();
  resetInstallationClients();
});

describe("redelivery rules", () => {
  it("a guid whose latest delivery failed is redelivered with that delivery's id; one that later succeeded is left alone", () => {
    const plan = planSweep([
      d("1", "g-ok-later", "2026-11-20T10:00:00Z", "Invalid HTTP Response: 502"),
      d("2", "g-ok-later", "2026-11-20T10:05:00Z", "OK", true),
      d("3", "g-failed", "2026-11-20T11:00:00Z", "Invalid HTTP Response: 504"),
      d(BIG, "g-failed", "2026-11-20T11:10:00Z", "timed out", true),
      d("5", "g-fine", "2026-11-20T12:00:00Z"),
    ]);
    expect(plan).toEqual({
      checked: 5,
      failed: 3,
      candidates: [{ guid: "g-failed", deliveryId: BIG, event: "workflow_run", action: "completed", deliveredAt: "2026-11-20T11:10:00.000Z" }],
      deferred: 0,
      cursor: { at: "2026-11-20T12:00:00.000Z", ids: ["5"] },
    });
  });

  it("the latest of a guid is decided by time, then by id compared as a big integer", () => {
    const plan = planSweep([d(BIGGER, "g", "2026-11-20T10:00:00Z", "Invalid HTTP Response: 500"), d(BIG, "g", "2026-11-20T10:00:00Z")]);
    expect(plan.candidates.map((c) => c.deliveryId)).toEqual([BIGGER]);
    expect(plan.cursor).toEqual({ at: "2026-11-20T10:00:00.000Z", ids: [BIGGER, BIG] });
  });

  it("over the per-sweep limit: the oldest guids are taken and the cursor stops at the last one taken", () => {
    const ds = [
      d("10", "a", "2026-11-20T10:00:00Z", "failed"),
      d("11", "b", "2026-11-20T10:01:00Z", "failed"),
      d("12", "c", "2026-11-20T10:01:00Z", "failed"),
      d("13", "ok", "2026-11-20T10:01:00Z"),
      d("14", "e", "2026-11-20T10:02:00Z", "failed"),
    ];
    const plan = planSweep(ds, 2);
    expect(plan.candidates.map((c) => c.guid)).toEqual(["a", "b"]);
    expect(plan.deferred).toBe(2);
    // c failed at the same second as b but was not taken: its delivery stays after the cursor.
    expect(plan.cursor).toEqual({ at: "2026-11-20T10:01:00.000Z", ids: ["11", "13"] });
    expect(ds.filter((x) => afterCursor(x, plan.cursor)).map((x) => x.guid)).toEqual(["c", "e"]);
  });

  it("a sweep that ends at the previous cursor's second keeps what that sweep saw there", () => {
    const plan = planSweep([d("21", "late", "2026-11-20T10:00:00Z")], 10, { at: "2026-11-20T10:00:00.000Z", ids: ["19", "20"] });
    expect(plan.cursor).toEqual({ at: "2026-11-20T10:00:00.000Z", ids: ["19", "20", "21"] });
  });

  it("nothing listed: no cursor to store; without a stored cursor the sweep looks back 3 days, never further", () => {
    expect(planSweep([])).toEqual({ checked: 0, failed: 0, candidates: [], deferred: 0, cursor: undefined });
    const now = new Date("2026-11-20T12:00:00Z");
    expect(sweepStart(undefined, now)).toEqual({ at: new Date(now.getTime() - REDELIVERY_WINDOW_MS).toISOString(), ids: [] });
    expect(sweepStart({ at: "2026-11-01T00:00:00.000Z", ids: ["1"] }, now).at).toBe("2026-11-17T12:00:00.000Z");
    const recent = { at: "2026-11-20T11:55:00.000Z", ids: ["1"] };
    expect(sweepStart(recent, now)).toBe(recent);
  });

  it("ids above 2^53 are kept exact from the response text", () => {
    expect(JSON.parse(idsAsStrings(`[{"id": ${BIG}, "guid": "x", "installation_id": 42}]`))).toEqual([{ id: BIG, guid: "x", installation_id: "42" }]);
    expect(String(Number(BIG))).not.toBe(BIG);
  });

  it("the cursor round-trips through its DynamoDB item; the counts are read from the outcomes", () => {
    const item = cursorItem({ at: "2026-11-20T12:00:00.000Z", ids: [BIG] }, "sweep-1");
    expect(cursorFromItem({ Item: item })).toEqual({ at: "2026-11-20T12:00:00.000Z", ids: [BIG] });
    expect(cursorFromItem({})).toBeUndefined();
    const s = summarise({
      checked: 9,
      failed: 4,
      deferred: 0,
      githubCalls: 1,
      results: [
        { guid: "a", outcome: "redelivered" },
        { guid: "b", outcome: "redelivered" },
        { guid: "c", outcome: "gaveUp" },
        { guid: "d", outcome: "givenUpBefore" },
      ],
    });
    expect(s).toMatchObject({ checked: 9, failed: 4, redelivered: 2, gaveUp: 1, givenUpBefore: 1, refused: 0 });
  });

  it("the machine's limit is MAX_REDELIVERIES", () => {
    const asl = JSON.parse(readFileSync(new URL("../machines/redelivery.asl.json", import.meta.url), "utf8"));
    const count = asl.States.RedeliverEach.ItemProcessor.States.CountRedelivery.Parameters;
    expect(count.ExpressionAttributeValues[":max"]).toEqual({ N: String(MAX_REDELIVERIES) });
    expect(count.ConditionExpression).toContain("redeliveries < :max");
  });
});

describe("listing the App's deliveries", () => {
  it("pages by cursor with the App's JWT until a page reaches the cursor time, ids as strings", async () => {
    const page1 = raw([d(BIG, "a", "2026-11-20T12:00:00Z")]);
    const page2 = raw([
      d(BIGGER, "b", "2026-11-20T11:00:00Z", "Invalid HTTP Response: 502"),
      d("7", "seen", "2026-11-20T00:00:00Z", "Invalid HTTP Response: 502"),
      d("6", "c", "2026-11-20T00:00:00Z"),
      d("5", "old", "2026-11-19T11:00:00Z", "Invalid HTTP Response: 502"),
    ]);
    nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .matchHeader("authorization", /^bearer ey/i)
      .reply(200, page1, { "content-type": "application/json", link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_abc>; rel="next"` });
    nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_abc" })
      .reply(200, page2, { "content-type": "application/json", link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_def>; rel="next"` });
    // The previous sweep stopped at midnight, having seen delivery 7 there: 6 came later in that second.
    const out = await listDeliveriesAfter(await appOctokit(), { at: "2026-11-20T00:00:00.000Z", ids: ["7"] });
    expect(out.calls).toBe(2);
    expect(out.deliveries.map((x) => [x.id, x.guid])).toEqual([
      [BIG, "a"],
      [BIGGER, "b"],
      ["6", "c"],
    ]);
  });

  it("the list-deliveries task reads the stored cursor and returns the guids with their keys, and the next cursor as an item", async () => {
    const now = Date.now();
    const at = (msAgo: number): string => new Date(now - msAgo).toISOString().replace(/\.\d{3}Z$/, "Z");
    nock(API)
      .get("/app/hook/deliveries")
      .query(true)
      .reply(200, raw([d(BIGGER, "g1", at(1000), "Invalid HTTP Response: 503"), d("8", "g2", at(60_000)), d("4", "old", at(7_200_000), "failed")]), {
        "content-type": "application/json",
      });
    const stored = { Item: cursorItem({ at: new Date(now - 3_600_000).toISOString(), ids: [] }, "earlier") };
    const out = (await listDeliveries({ stored: { ...stored, SdkHttpMetadata: {} }, sweep: "sweep-2" })) as ListDeliveriesOutput;
    expect(out).toMatchObject({ checked: 2, failed: 1, deferred: 0, githubCalls: 1 });
    expect(out.candidates).toEqual([expect.objectContaining({ guid: "g1", deliveryId: BIGGER, key: { pk: { S: "REDELIVERY#g1" }, sk: { S: "REDELIVERY" } } })]);
    expect(out.cursorItem).toEqual(cursorItem({ at: new Date(Date.parse(at(1000))).toISOString(), ids: [BIGGER] }, "sweep-2"));
    // Bad input is refused before any call.
    await expect(listDeliveries({ sweep: "x" })).rejects.toMatchObject({ name: "InvalidInputError" });
  });
});

describe("redelivering", () => {
  // Before redelivering, the task reads the delivery (a member_added whose member left is not redelivered):
  // these deliveries are workflow runs, so no membership is looked up.
  beforeEach(() => {
    nock(API)
      .persist()
      .get((path) => /^\/app\/hook\/deliveries\/\d+$/.test(path))
      .reply(200, { event: "workflow_run", action: "completed", request: { payload: null } });
  });
  it("POSTs the attempt for the exact delivery id (above 2^53) with the App's JWT", async () => {
    const scope = nock(API)
      .post(`/app/hook/deliveries/${BIGGER}/attempts`)
      .matchHeader("authorization", /^bearer ey/i)
      .reply(202, {});
    await expect(redeliver({ guid: "g1", deliveryId: BIGGER })).resolves.toEqual({ guid: "g1", deliveryId: BIGGER });
    expect(scope.isDone()).toBe(true);
  });

  it("a definite no is UpstreamError (recorded as refused); a 5xx is TransientError (retried); a number id is refused", async () => {
    nock(API).post(`/app/hook/deliveries/${BIG}/attempts`).reply(422, { message: "Validation Failed" });
    await expect(redeliver({ guid: "g", deliveryId: BIG })).rejects.toMatchObject({ name: "UpstreamError" });
    nock(API).post(`/app/hook/deliveries/${BIG}/attempts`).reply(502, { message: "bad gateway" });
    await expect(redeliver({ guid: "g", deliveryId: BIG })).rejects.toMatchObject({ name: "TransientError" });
    await expect(redeliver({ guid: "g", deliveryId: 12 })).rejects.toMatchObject({ name: "InvalidInputError" });
  });
});
