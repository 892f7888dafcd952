import { jest } from "@jest/globals";
import type { Probot } from "probot";
import { createWebhookHandler, type WebhookHandlerOptions } from "../../app/webhook/webhook.lambda.js";
import { sign } from "../../app/server/signature.js";
import { startWebhookServer } from "../../app/server/webhook-server.js";
import { apiGatewayEvent } from "../lambda/events.js";

/** One way in for a signed delivery: the local server (`npx org-flows start`) or the Lambda entry. */
export interface FrontDoor {
  name: string;
  deliver(event: string, payload: object, delivery?: string): Promise<{ status: number; ms: number }>;
  /** log lines written since the door was opened */
  logged(): string[];
  close(): Promise<void>;
}

let deliveries = 0;
const nextId = (): string => `delivery-${++deliveries}-${Date.now()}`;

export async function localServerDoor(probot: Probot, opts: { deadlineMs?: number } = {}): Promise<FrontDoor> {
  const lines: string[] = [];
  const capture = (o: object, m?: string): number => lines.push(`${JSON.stringify(o)} ${m ?? ""}`);
  const log = { info: capture, warn: capture, error: capture };
  const server = await startWebhookServer({ probot, secret: "test-secret", log: log as never, port: 0, ...opts });
  return {
    name: "local server",
    async deliver(event, payload, delivery = nextId()) {
      const body = JSON.stringify(payload);
      const started = Date.now();
      const res = await fetch(server.url, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": delivery,
          "x-hub-signature-256": sign("test-secret", body),
        },
      });
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - started };
    },
    logged: () => lines,
    close: () => server.close(),
  };
}

/** The Lambda entry from source (test/lambda/webhook.test.ts covers the bundle); its JSON log lines are captured. */
export function lambdaDoor(opts: WebhookHandlerOptions = {}): FrontDoor {
  const handler = createWebhookHandler(opts);
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return process.env.SHOW_LOGS ? write(chunk, ...rest) : true;
  }) as typeof process.stdout.write);
  return {
    name: "Lambda entry",
    async deliver(event, payload, delivery = nextId()) {
      const started = Date.now();
      const res = await handler(apiGatewayEvent(JSON.stringify(payload), { event, delivery }));
      return { status: res.statusCode, ms: Date.now() - started };
    },
    logged: () => lines,
    close: async () => spy.mockRestore(),
  };
}
