import lambdaFunction from "@probot/adapter-aws-lambda-serverless/lambda-function.js";
import { Probot, type ProbotOctokit } from "probot";
import { Deadline, DELIVERY_DEADLINE_MS } from "../deadline.js";
import orgFlows from "../index.js";
import { appCredentials, githubBaseUrl, resetCredentialsCache, type AppCredentials } from "../secrets.js";
import { receiveDelivery, type Dispatch } from "./receive.js";
import { checkDelivery, type Checked } from "./delivery.js";
import { respond, type HttpEvent, type HttpResult } from "./http.js";
import { createLogger } from "../log.js";
import { DeadlineExceededError } from "../errors.js";

const log = createLogger();

/**
 * The Lambda dispatches through the serverless adapter's per-event function, with what it cannot do itself already
 * done (a decoded body, normalised headers, a ready Probot, the deadline): its only outcome acted on is a throw.
 */
const viaAdapter: Dispatch = async (probot, d) => {
  await lambdaFunction(probot, { headers: { "x-github-delivery": d.id, "x-github-event": d.name, "x-hub-signature-256": d.signature }, body: d.body }, {});
};

/** A rotated webhook secret is looked for at most this often per warm process (a forged flood costs one read). */
export const SECRET_RECHECK_MS = 60_000;
/** Kept back from the function's own remaining time so that the answer is still returned before Lambda stops it. */
const LAMBDA_MARGIN_MS = 1_000;

export interface WebhookHandlerOptions {
  /** the time a delivery may take from invocation to answer (8 s; shorter in tests) */
  deadlineMs?: number;
  /** reads the App's credentials; `fresh` asks for a new read rather than the cold start's copy */
  readCredentials?: (fresh: boolean) => Promise<AppCredentials>;
  secretRecheckMs?: number;
  /** the clock for the re-read rate limit */
  now?: () => number;
  /** the Octokit class Probot builds on (tests switch off its rate-limit queue) */
  Octokit?: typeof ProbotOctokit;
}

interface Ready {
  probot: Probot;
  secret: string;
}

/** The Lambda context's one method used here; tests invoke the handler without a context. */
interface InvocationContext {
  getRemainingTimeInMillis?: () => number;
}

function defaultRead(fresh: boolean): Promise<AppCredentials> {
  if (fresh) resetCredentialsCache();
  return appCredentials();
}

/**
 * The webhook Lambda behind the HTTP API (or a Function URL): 401 for a bad signature, 400 for a malformed
 * delivery, 200 for anything handled or ignored, 500 when the app fails and 504 when the delivery's deadline passes,
 * so that GitHub records a failed delivery that can be redelivered. Every invocation is answered within the
 * deadline, the cold start's secret read and Probot's start included.
 */
export function createWebhookHandler(opts: WebhookHandlerOptions = {}): (event: HttpEvent, context?: InvocationContext) => Promise<HttpResult> {
  const read = opts.readCredentials ?? defaultRead;
  const now = opts.now ?? Date.now;
  const recheckMs = opts.secretRecheckMs ?? SECRET_RECHECK_MS;
  let ready: Promise<Ready> | undefined;
  let lastRead = Number.NEGATIVE_INFINITY;

  async function start(credentials: AppCredentials): Promise<Ready> {
    const { appId, privateKey, webhookSecret } = credentials;
    const probot = new Probot({ appId, privateKey, secret: webhookSecret, baseUrl: githubBaseUrl(), log, ...(opts.Octokit ? { Octokit: opts.Octokit } : {}) });
    await probot.load(orgFlows);
    return { probot, secret: webhookSecret };
  }

  /**
   * One Probot per warm process, created on first use. `load` waits for Probot 14's asynchronous initialisation, so
   * the handlers are registered before any event reaches it. A failed start is forgotten so that the next
   * invocation tries again.
   */
  function probotReady(): Promise<Ready> {
    ready ??= (async () => {
      lastRead = now();
      return start(await read(false));
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  }

  /**
   * A signature that does not verify may mean that the secret was rotated since this process read it: read it
   * again (at most once per `recheckMs`) and, if the fresh secret verifies this delivery, use the fresh credentials
   * from now on. A secret that verifies nothing new is not adopted, so that a forged delivery changes nothing.
   */
  async function recheck(event: HttpEvent, current: Ready, deadline: Deadline): Promise<{ app: Ready; checked: Checked } | undefined> {
    if (now() - lastRead < recheckMs) return undefined;
    lastRead = now();
    let fresh: AppCredentials;
    try {
      fresh = await deadline.race(read(true));
    } catch (err) {
      log.warn({ err }, "signature did not verify and the app secret could not be read again");
      return undefined;
    }
    if (fresh.webhookSecret === current.secret) {
      log.info("signature did not verify; the app secret was read again and has not changed");
      return undefined;
    }
    const checked = checkDelivery(event, fresh.webhookSecret);
    if (!checked.ok && checked.status === 401) {
      log.warn("signature did not verify with the app secret read again either: keeping the current one");
      return undefined;
    }
    const started = start(fresh);
    const app = await deadline.race(started);
    ready = started;
    log.info("the webhook secret was rotated: using the credentials read again from now on");
    return { app, checked };
  }

  async function answer(event: HttpEvent, deadline: Deadline): Promise<HttpResult> {
    const startedAt = Date.now();
    let app: Ready;
    try {
      app = await deadline.race(probotReady());
    } catch (err) {
      if (err instanceof DeadlineExceededError) {
        log.error({ deadlineMs: deadline.ms }, `the delivery ran out of time (${deadline.ms} ms): reading the app secret and starting the app`);
        return respond(504, { error: "the app could not start in time; redeliver it from the App settings" });
      }
      log.error({ err }, "cannot start the app: check the app secret");
      return respond(500, { error: "the app could not start" });
    }
    if (!app.secret) {
      log.error("no webhook secret configured: every delivery is refused");
      return respond(500, { error: "the app has no webhook secret" });
    }

    let checked = checkDelivery(event, app.secret);
    if (!checked.ok && checked.status === 401 && checked.signed) {
      const rechecked = await recheck(event, app, deadline);
      if (rechecked) ({ app, checked } = rechecked);
    }
    if (!checked.ok) {
      log.warn({ status: checked.status, delivery: checked.id }, `delivery refused: ${checked.reason}`);
      return respond(checked.status, { error: checked.reason });
    }

    const { id, name } = checked.delivery;
    const outcome = await receiveDelivery(app.probot, checked.delivery, deadline, log, viaAdapter);
    if (outcome.status !== 200) return respond(outcome.status, { error: outcome.error });
    log.info({ delivery: id, githubEvent: name, ms: Date.now() - startedAt, ...(outcome.ignored ? { ignored: outcome.ignored } : {}) }, "delivery handled");
    return respond(200, outcome.ignored ? { ok: true, ignored: outcome.ignored } : { ok: true });
  }

  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const ms = Math.min(opts.deadlineMs ?? DELIVERY_DEADLINE_MS, remaining === undefined ? Number.POSITIVE_INFINITY : remaining - LAMBDA_MARGIN_MS);
    const deadline = new Deadline(ms);
    try {
      return await answer(event, deadline);
    } catch (err) {
      // The re-read of a rotated secret is the one step not already answered in time above.
      if (err instanceof DeadlineExceededError) {
        log.error({ deadlineMs: deadline.ms }, `the delivery ran out of time (${deadline.ms} ms): reading the app secret again`);
        return respond(504, { error: "the delivery could not finish in time; redeliver it from the App settings" });
      }
      throw err;
    } finally {
      deadline.dispose();
    }
  };
}

/** The function Lambda invokes. */
export const handler = createWebhookHandler();
