import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Probot } from "probot";
import { Deadline, DELIVERY_DEADLINE_MS } from "../deadline.js";
import { checkRequest } from "../webhook/delivery.js";
import { receiveDelivery } from "../webhook/receive.js";
import { readBody } from "./read-body.js";

/** The headers a delivery is checked and dispatched by. */
const DELIVERY_HEADERS = ["x-hub-signature-256", "x-github-delivery", "x-github-event"] as const;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Request limits: anyone who can reach the port can send requests, and nothing is checked before the body is read
 * (the signature covers the body). GitHub caps payloads at 25 MB, but the events this app takes (organization,
 * workflow_run, pull_request, ping) are far smaller; a larger body is refused (413) before it is read.
 */
export interface ServerLimits {
  /** the body, in bytes */
  maxBodyBytes: number;
  /** all request headers together, in bytes (Node answers 431 above it) */
  maxHeaderBytes: number;
  /** the headers must have arrived by then (ms) */
  headersTimeoutMs: number;
  /** the whole request, body included, must have arrived by then (ms; Node answers 408) */
  requestTimeoutMs: number;
  /** open connections at once; more are closed on arrival */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  maxConnections: 256,
};

export interface WebhookServerOptions {
  probot: Probot;
  secret: string;
  log: Logger;
  port?: number;
  host?: string;
  path?: string;
  /** the time a delivery may take from arrival to answer (8 s; shorter in tests) */
  deadlineMs?: number;
  /** request limits (DEFAULT_LIMITS; smaller in tests) */
  limits?: Partial<ServerLimits>;
}

export interface WebhookServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * The webhook receiver for `npx org-flows start`: checks the signature over the raw body first (401 without it), then the
 * headers and JSON (400), then lets Probot dispatch under the delivery's deadline (500 when a handler fails, 504
 * when the deadline passes, so GitHub records a failed delivery that can be redelivered). Logs name the delivery,
 * never the payload.
 */
export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const path = opts.path ?? "/api/github/webhooks";
  const log = opts.log;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Counted from arrival: reading the body is part of the time GitHub waits.
    const deadline = new Deadline(opts.deadlineMs ?? DELIVERY_DEADLINE_MS);
    try {
      await answer(req, res, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async function answer(req: IncomingMessage, res: ServerResponse, deadline: Deadline): Promise<void> {
    const reply = (status: number, message: string): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ message }));
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && (url.pathname === "/ping" || url.pathname === "/health")) return reply(200, "PONG");
    if (url.pathname !== path) return reply(404, "not found");
    if (req.method !== "POST") return reply(405, "use POST");

    // A body announced larger than the limit is refused before a byte of it is read.
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limits.maxBodyBytes) {
      res.setHeader("connection", "close");
      return reply(413, "payload too large");
    }
    let body: Buffer | null;
    try {
      body = await readBody(req, limits.maxBodyBytes);
    } catch {
      return reply(400, "could not read the request body");
    }
    if (!body) {
      // The rest of the body is not read: close the connection rather than let Node drain it.
      res.setHeader("connection", "close");
      return reply(413, "payload too large");
    }
    // The same checks, in the same order, as the Lambda entry: signature first, then headers, then JSON. Node has
    // already lower-cased the header names and joined a repeated header with ", " (so a doubled signature fails).
    const headers = Object.fromEntries(DELIVERY_HEADERS.map((name) => [name, header(req, name)]));
    const checked = checkRequest({ headers, body }, opts.secret);
    if (!checked.ok) {
      log.warn({ delivery: checked.id, status: checked.status }, `webhook refused: ${checked.reason}`);
      return reply(checked.status, checked.reason);
    }
    const outcome = await receiveDelivery(opts.probot, checked.delivery, deadline, log);
    if (outcome.status === 200) return reply(200, outcome.ignored ? `ignored: ${outcome.ignored}` : "ok");
    reply(outcome.status, outcome.error);
  }

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let a slow body sit far longer).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs, limits.requestTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, "webhook server error");
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 3000, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}${path}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
