import { afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { idsAsStrings, listDeliveriesSince, sweep, type Delivery } from "../app/redelivery/deliveries.js";
import { appOctokit, resetInstallationClients } from "../app/tasks/github.js";
import { API, onlyLoopback, useTestApp } from "./fixtures/jobs-github.js";

const BIG = "12345678901234567891"; // above 2^53: a JS number would round it
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
    const s = sweep([
      d("1", "g-ok-later", "2026-11-20T10:00:00Z", "Invalid HTTP Response: 502"),
      d("2", "g-ok-later", "2026-11-20T10:05:00Z", "OK", true),
      d("3", "g-failed", "2026-11-20T11:00:00Z", "Invalid HTTP Response: 504"),
      d(BIG, "g-failed", "2026-11-20T11:10:00Z", "timed out", true),
      d("5", "g-fine", "2026-11-20T12:00:00Z"),
    ]);
    expect(s).toEqual({
      checked: 5,
      failed: 3,
      candidates: [{ guid: "g-failed", deliveryId: BIG, event: "workflow_run", redeliveriesSeen: 1 }],
      cursor: "2026-11-20T12:00:00Z",
    });
  });

  it("ids above 2^53 are kept exact from the response text", () => {
    expect(JSON.parse(idsAsStrings(`[{"id": ${BIG}, "guid": "x", "installation_id": 42}]`))).toEqual([{ id: BIG, guid: "x", installation_id: "42" }]);
    expect(String(Number(BIG))).not.toBe(BIG);
  });
});

describe("listing the App's deliveries", () => {
  it("pages by cursor with the App's JWT until a page reaches the cursor time, ids as strings", async () => {
    const page1 = `[{"id": ${BIG}, "guid": "a", "delivered_at": "2026-11-20T12:00:00Z", "redelivery": false, "status": "OK", "status_code": 200, "event": "ping", "action": null}]`;
    const page2 = `[{"id": 98765432109876543210, "guid": "b", "delivered_at": "2026-11-20T11:00:00Z", "redelivery": false, "status": "Invalid HTTP Response: 502", "status_code": 502, "event": "workflow_run", "action": "completed"},
                   {"id": 5, "guid": "c", "delivered_at": "2026-11-19T11:00:00Z", "redelivery": false, "status": "OK", "status_code": 200, "event": "ping", "action": null}]`;
    nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .matchHeader("authorization", /^bearer ey/i)
      .reply(200, page1, { "content-type": "application/json", link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_abc>; rel="next"` });
    nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_abc" })
      .reply(200, page2, { "content-type": "application/json", link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_def>; rel="next"` });
    const out = await listDeliveriesSince(await appOctokit(), new Date("2026-11-20T00:00:00Z"));
    expect(out.calls).toBe(2);
    expect(out.deliveries.map((x) => [x.id, x.guid])).toEqual([
      [BIG, "a"],
      ["98765432109876543210", "b"],
    ]);
  });
});
