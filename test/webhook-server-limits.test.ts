import { connect, type Socket } from "node:net";
import type { Probot } from "probot";
import { startWebhookServer, type WebhookServer } from "../app/server/webhook-server.js";
import { setAppEnv, testProbot } from "./helpers/app-env.js";

/** Anyone who can reach the port can send requests: none may hold memory, sockets or the server for long. */
let probot: Probot;
let server: WebhookServer;
let port: number;
const quiet = { warn: () => {}, error: () => {}, info: () => {} };

beforeAll(async () => {
  setAppEnv();
  probot = await testProbot();
  server = await startWebhookServer({
    probot,
    secret: "test-secret",
    log: quiet as never,
    port: 0,
    limits: { maxBodyBytes: 64 * 1024, maxHeaderBytes: 4 * 1024, headersTimeoutMs: 1_000, requestTimeoutMs: 1_500, maxConnections: 5 },
  });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

/** Sends raw bytes; resolves with what the server answered (or "" when it closed without a word). */
function raw(text: string, keepOpen = false): { answer: Promise<string>; socket: Socket } {
  const socket = connect(port, "127.0.0.1");
  const answer = new Promise<string>((resolve) => {
    let got = "";
    socket.on("data", (d) => {
      got += d.toString();
    });
    socket.on("close", () => resolve(got));
    socket.on("error", () => resolve(got));
  });
  socket.write(text);
  if (!keepOpen) socket.end();
  return { answer, socket };
}

const head = (extra: string, length: number): string =>
  `POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${extra}\r\n`;

test("a body announced over the limit is refused with 413 before it is sent", async () => {
  const { answer } = raw(head("", 10 * 1024 * 1024), true);
  expect(await answer).toMatch(/^HTTP\/1\.1 413/);
});

test("a body over the limit without a length is cut off with 413", async () => {
  const res = await fetch(server.url, { method: "POST", body: "x".repeat(200 * 1024), headers: { "content-type": "application/json" } }).catch(() => null);
  expect(res === null || res.status === 413).toBe(true);
});

test("headers over the limit are refused (431)", async () => {
  const { answer } = raw(`${head(`x-big: ${"a".repeat(8 * 1024)}\r\n`, 2)}{}`);
  expect(await answer).toMatch(/^HTTP\/1\.1 431/);
});

test("a body that never finishes arriving is answered 408 and closed, within a few seconds", async () => {
  const started = Date.now();
  const { answer, socket } = raw(`${head("", 1000)}{"a":`, true);
  const got = await answer;
  socket.destroy();
  expect(got).toMatch(/^HTTP\/1\.1 408/);
  // liveness: the request deadline (1.5 s here) ends it, not the client
  expect(Date.now() - started).toBeLessThan(6_000);
});

test("connections over the cap are closed on arrival; the server still answers once they go", async () => {
  const held = Array.from({ length: 5 }, () => raw("POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\n", true));
  await new Promise((r) => setTimeout(r, 200));
  const extra = raw("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  expect(await extra.answer).toBe("");
  for (const h of held) h.socket.destroy();
  await new Promise((r) => setTimeout(r, 200));
  expect((await fetch(server.url.replace("/api/github/webhooks", "/ping"))).status).toBe(200);
});
