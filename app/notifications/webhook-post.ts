// Posts a chat notification to an incoming webhook (NOTIFY_WEBHOOK_URL on the embedded default, the app secret's
// notifyWebhookUrl on AWS). A busy or failing chat is retried a few times; a refusal (4xx) is not. The URL is a
// credential (whoever has it can post): it is never logged, only its host.
import { timedFetch } from "../outbound.js";
import { chatNotification, webhookBody, type SnsNotification } from "./chat.js";

export class ChatWebhookError extends Error {
  override name = "ChatWebhookError";
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface PostOptions {
  attempts?: number;
  /** first back-off, doubled each attempt */
  backoffMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One POST of `{"text": ...}`, retried on 429, 5xx and network failures; resolves once the chat accepted it. */
export async function postToChatWebhook(url: string, notification: SnsNotification, opts: PostOptions = {}): Promise<void> {
  const host = new URL(url).host;
  const body = JSON.stringify(webhookBody(chatNotification(notification)));
  const attempts = opts.attempts ?? 3;
  const fetchChat = timedFetch("the chat webhook");
  let last: ChatWebhookError | undefined;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep((opts.backoffMs ?? 500) * 2 ** (i - 1));
    try {
      const res = await fetchChat(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (res.ok) return;
      const retryable = res.status === 429 || res.status >= 500;
      last = new ChatWebhookError(`the chat webhook at ${host} answered ${res.status}`, retryable);
      if (!retryable) break;
    } catch (err) {
      last = new ChatWebhookError(`the chat webhook at ${host}: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  }
  throw last ?? new ChatWebhookError(`the chat webhook at ${host} was not called`, false);
}

const pending = new Set<Promise<void>>();

/**
 * Forwards in the background (a publish must not wait for a chat); `report` hears of a notification that could not
 * be delivered. `chatForwardsSettled` waits for those under way (a server's stop, tests).
 */
export function forwardToChatWebhook(url: string, notification: SnsNotification, report: (err: Error) => void, opts?: PostOptions): void {
  const p = postToChatWebhook(url, notification, opts)
    .catch((err: unknown) => report(err instanceof Error ? err : new Error(String(err))))
    .finally(() => pending.delete(p));
  pending.add(p);
}

export async function chatForwardsSettled(): Promise<void> {
  while (pending.size) await Promise.allSettled([...pending]);
}
