import type { Logger } from "pino";
import type { Probot } from "probot";
import { isDeadlineError, runWithDeadline, type Deadline } from "../deadline.js";
import type { Delivery } from "./delivery.js";
import { envelopeProblem } from "./envelope.js";

type WebhookEvent = Parameters<Probot["receive"]>[0];
export type Log = Pick<Logger, "info" | "warn" | "error">;

/** How a checked delivery was answered: 200 handled or ignored, 500 the app failed, 504 its time ran out. */
export type Outcome = { status: 200; ignored?: string } | { status: 500; error: string } | { status: 504; error: string };

function messages(err: unknown): string[] {
  const errors = err instanceof AggregateError ? err.errors : [err];
  return errors.map((e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
}

/** How a checked delivery reaches the app's handlers: Probot's own `receive` by default. */
export type Dispatch = (probot: Probot, delivery: Pick<Delivery, "id" | "name" | "payload" | "body" | "signature">) => Promise<void>;

const probotReceive: Dispatch = (probot, { id, name, payload }) => probot.receive({ id, name, payload } as WebhookEvent);

/**
 * Dispatches one authentic delivery through Probot, the same way for both front doors (the local server and the
 * Lambda entry): an envelope Probot cannot read is ignored (200), the handlers run under `deadline`, and the answer
 * comes by the deadline whatever they are waiting for. Logs name the delivery and the cause, never the payload.
 */
export async function receiveDelivery(probot: Probot, delivery: Delivery, deadline: Deadline, log: Log, dispatch: Dispatch = probotReceive): Promise<Outcome> {
  const { id, name, payload } = delivery;
  const action = typeof payload.action === "string" ? payload.action : undefined;
  const problem = envelopeProblem(payload);
  if (problem) {
    log.warn({ delivery: id, githubEvent: name, reason: problem }, `delivery ignored: ${problem}`);
    return { status: 200, ignored: problem };
  }
  try {
    await deadline.race(runWithDeadline(deadline, () => dispatch(probot, delivery)));
    return { status: 200 };
  } catch (err) {
    if (isDeadlineError(err)) {
      const waiting = deadline.runningAtExpiry();
      const what = waiting.length ? waiting.join(", ") : messages(err).join("; ");
      log.error(
        { delivery: id, githubEvent: name, action, deadlineMs: deadline.ms, waitingFor: waiting, errors: messages(err) },
        `the delivery ran out of time (${deadline.ms} ms): ${what}`,
      );
      return { status: 504, error: `the delivery could not finish within ${deadline.ms} ms; redeliver it from the App settings` };
    }
    const errors = messages(err);
    log.error({ delivery: id, githubEvent: name, action, errors }, `the app failed on this delivery: ${errors.join("; ")}`);
    return { status: 500, error: "the app failed on this delivery; redeliver it from the App settings once the cause is fixed" };
  }
}
