import lambdaFunction from "@probot/adapter-aws-lambda-serverless/lambda-function.js";
import { Probot } from "probot";
import orgFlows from "../index.js";
import { appCredentials, githubBaseUrl } from "../secrets.js";
import { checkDelivery } from "./delivery.js";
import { respond, type HttpEvent, type HttpResult } from "./http.js";
import { createLogger } from "./log.js";

const log = createLogger();

interface Ready {
  probot: Probot;
  secret: string;
}

let ready: Promise<Ready> | undefined;

/**
 * One Probot per cold start, created on first use with the credentials from Secrets Manager. `load` waits for
 * Probot 14's asynchronous initialisation, so the app's handlers are registered before any event reaches it
 * (the adapter's createLambdaFunction loads the app without waiting and can race that start, so only its
 * per-event function is used). A failed start is forgotten so that the next invocation tries again.
 */
function probotReady(): Promise<Ready> {
  ready ??= (async () => {
    const { appId, privateKey, webhookSecret } = await appCredentials();
    const probot = new Probot({ appId, privateKey, secret: webhookSecret, baseUrl: githubBaseUrl(), log });
    await probot.load(orgFlows);
    return { probot, secret: webhookSecret };
  })().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

/**
 * The webhook Lambda behind the HTTP API (or a Function URL). Our own checks run first, then the app's handlers
 * through the serverless adapter: 401 for a bad signature, 400 for a malformed delivery, 200 for anything handled or
 * ignored, 500 only when the app fails, so that GitHub records a failed delivery that can be redelivered.
 */
export async function handler(event: HttpEvent): Promise<HttpResult> {
  const startedAt = Date.now();
  let app: Ready;
  try {
    app = await probotReady();
  } catch (err) {
    log.error({ err }, "cannot start the app: check the app secret");
    return respond(500, { error: "the app could not start" });
  }
  if (!app.secret) {
    log.error("no webhook secret configured: every delivery is refused");
    return respond(500, { error: "the app has no webhook secret" });
  }

  const checked = checkDelivery(event, app.secret);
  if (!checked.ok) {
    log.warn({ status: checked.status, delivery: checked.id }, `delivery refused: ${checked.reason}`);
    return respond(checked.status, { error: checked.reason });
  }

  const { id, name, payload, body, signature } = checked.delivery;
  const action = typeof payload.action === "string" ? payload.action : undefined;
  try {
    // Dispatch through the serverless adapter, with what it cannot handle itself already done: a decoded body,
    // normalised headers, a ready Probot. Its only outcome we act on is a throw (a handler failed).
    await lambdaFunction(app.probot, { headers: { "x-github-delivery": id, "x-github-event": name, "x-hub-signature-256": signature }, body }, {});
  } catch (err) {
    log.error({ err, delivery: id, githubEvent: name, action }, "the app failed on this delivery");
    return respond(500, { error: "the app failed on this delivery; redeliver it from the App settings" });
  }
  log.info({ delivery: id, githubEvent: name, action, ms: Date.now() - startedAt }, "delivery handled");
  return respond(200, { ok: true });
}
