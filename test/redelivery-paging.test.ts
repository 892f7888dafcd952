import { afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import nock from "nock";
import { cursorItem, type ListDeliveriesOutput } from "../app/redelivery/contract.js";
import { MAX_CANDIDATES, MAX_RATE_LIMIT_WAIT_MS, type Delivery } from "../app/redelivery/deliveries.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { handler as listDeliveries } from "../app/tasks/list-deliveries.lambda.js";
import { API, onlyLoopback, useTestApp } from "./fixtures/jobs-github.js";

const d = (id: string, guid: string, at: string, status = "OK"): Delivery => ({
  id,
  guid,
  delivered_at: at,
  redelivery: false,
  status,
  status_code: status === "OK" ? 200 : 502,
  event: "workflow_run",
  action: "completed",
});
const raw = (ds: Delivery[]): string => JSON.stringify(ds).replace(/"id":"(\d+)"/g, '"id":$1');
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const link = (cursor: string) => ({ "content-type": "application/json", link: `<${API}/app/hook/deliveries?per_page=100&cursor=${cursor}>; rel="next"` });

beforeAll(() => {
  onlyLoopback();
  useTestApp();
});
afterEach(() => {
  nock.cleanAll();
  resetInstallationClients();
});

describe("the sweep walks the delivery log one page per task call", () => {
  it("each call lists one page, the walk's cursor advances, and an older failure of a guid seen on a newer page is left alone", async () => {
    const stored = { Item: cursorItem({ at: new Date(Date.now() - 3_600_000).toISOString(), ids: [] }, "earlier") };
    const newestAt = ago(1000);
    const p1 = nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(200, raw([d("30", "new-ok", newestAt), d("29", "fails-1", ago(2000), "timed out")]), link("v1_p2"));
    const out1 = (await listDeliveries({ stored, sweep: "s" })) as ListDeliveriesOutput;
    expect(p1.isDone()).toBe(true);
    expect(out1).toMatchObject({ done: false, githubCalls: 1, checked: 2, cursorItem: null, waitUntil: null });
    expect(out1.walk).toMatchObject({ page: "v1_p2", seen: ["new-ok", "fails-1"] });
    expect(out1.candidates.map((c) => c.guid)).toEqual(["fails-1"]);

    const p2 = nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_p2" })
      .reply(200, raw([d("20", "new-ok", ago(60_000), "Invalid HTTP Response: 502"), d("19", "fails-2", ago(61_000), "timed out")]), link("v1_p3"));
    const results = [{ guid: "fails-1", outcome: "redelivered" as const }];
    const out2 = (await listDeliveries({ stored, sweep: "s", walk: out1.walk, earlier: out1.earlier, results })) as ListDeliveriesOutput;
    expect(p2.isDone()).toBe(true);
    expect(out2.walk?.page).toBe("v1_p3");
    // new-ok succeeded on the newer page: its older failure is not its latest delivery.
    expect(out2.candidates.map((c) => c.guid)).toEqual(["fails-2"]);
    expect(out2).toMatchObject({ done: false, githubCalls: 2, checked: 4, earlier: results });

    // The last page reaches the stored cursor: done, and the cursor to store is the newest delivery of the first page.
    const p3 = nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_p3" })
      .reply(200, raw([d("10", "fails-3", ago(120_000), "timed out"), d("9", "old", ago(7_200_000), "timed out")]), link("v1_p4"));
    const out3 = (await listDeliveries({ stored, sweep: "s", walk: out2.walk, earlier: out2.earlier, results: [] })) as ListDeliveriesOutput;
    expect(p3.isDone()).toBe(true);
    expect(out3).toMatchObject({ done: true, walk: null, githubCalls: 3, checked: 5 });
    expect(out3.candidates.map((c) => c.guid)).toEqual(["fails-3"]);
    expect(out3.cursor).toEqual({ at: new Date(newestAt).toISOString(), ids: ["30"] });
    expect(out3.cursorItem).toEqual(cursorItem({ at: new Date(newestAt).toISOString(), ids: ["30"] }, "s"));
  });

  it("a rate-limited page is not retried in the task: the machine waits until x-ratelimit-reset and lists the same page", async () => {
    const reset = Math.ceil(Date.now() / 1000) + 120;
    nock(API)
      .get("/app/hook/deliveries")
      .query(true)
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) });
    const out = (await listDeliveries({ stored: {}, sweep: "s" })) as ListDeliveriesOutput;
    expect(out).toMatchObject({ done: false, candidates: [], walk: null, githubCalls: 1 });
    expect(out.waitUntil).toBe(new Date(reset * 1000).toISOString());

    // A reset far ahead is bounded.
    const far = Math.ceil(Date.now() / 1000) + 6 * 3600;
    nock(API)
      .get("/app/hook/deliveries")
      .query(true)
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(far) });
    const bounded = (await listDeliveries({ stored: {}, sweep: "s" })) as ListDeliveriesOutput;
    expect(Date.parse(bounded.waitUntil!) - Date.parse(bounded.now)).toBe(MAX_RATE_LIMIT_WAIT_MS);

    // The machine's Wait takes its timestamp from that field, and lists the same page after it.
    const asl = JSON.parse(readFileSync(new URL("../machines/redelivery.asl.json", import.meta.url), "utf8"));
    expect(asl.States.RateLimited.Choices[0]).toMatchObject({ Variable: "$.listing.waitUntil", IsNull: false, Next: "WaitForReset" });
    expect(asl.States.WaitForReset).toMatchObject({ Type: "Wait", TimestampPath: "$.listing.waitUntil" });
    expect(asl.States.WaitForReset.Next).toBe("ListDeliveries");
    expect(asl.States.ListDeliveries.Retry[0].ErrorEquals).not.toContain("RateLimited");
  });

  it(`at most ${MAX_CANDIDATES} guids a sweep over all its pages: the rest is deferred and the cursor stays, so that the next sweep lists them`, async () => {
    const stored = { Item: cursorItem({ at: new Date(Date.now() - 3_600_000).toISOString(), ids: [] }, "earlier") };
    const page = (from: number) =>
      Array.from({ length: 100 }, (_, i) => d(String(10_000 - from - i), `g${from + i}`, ago(1000 + (from + i) * 1000), "timed out"));
    let walk: ListDeliveriesOutput["walk"] = null;
    let out: ListDeliveriesOutput | undefined;
    const taken: number[] = [];
    for (let p = 0; p < 3; p += 1) {
      const scope = nock(API)
        .get("/app/hook/deliveries")
        .query(p === 0 ? { per_page: "100" } : { per_page: "100", cursor: `c${p}` })
        .reply(200, raw(page(p * 100)), p < 2 ? link(`c${p + 1}`) : { "content-type": "application/json" });
      out = (await listDeliveries({ stored, sweep: "s", walk })) as ListDeliveriesOutput;
      expect(scope.isDone()).toBe(true);
      taken.push(out.candidates.length);
      walk = out.walk;
    }
    expect(taken).toEqual([100, 100, 0]);
    expect(out).toMatchObject({ done: true, deferred: 100, cursor: null, cursorItem: null });
  });
});
