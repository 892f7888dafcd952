// The topic's chat subscriber on AWS (deployed when chat context is given): every message of the notification
// topic, laid out for people, (1) to the chat topic that the Slack / Microsoft Teams channels of Amazon Q Developer
// in chat applications subscribe to, as a custom notification (it shows nothing else but AWS service events), and
// (2) to an incoming webhook for any other chat, whose URL is a credential and so lives in the app secret
// (`notifyWebhookUrl`), never in the environment. A failure throws: SNS's asynchronous invocation retries it.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import * as z from "zod";
import { InvalidInputError } from "../errors.js";
import { createLogger } from "../log.js";
import { sdkTimeouts } from "../outbound.js";
import { chatNotification, customNotification, type SnsNotification } from "./chat.js";
import { postToChatWebhook } from "./webhook-post.js";

const log = createLogger();

/** The part of Lambda's SNS event this reads (docs.aws.amazon.com, "Using Lambda with Amazon SNS"). */
export const snsEventSchema = z.object({
  Records: z.array(
    z.object({
      Sns: z.object({
        Subject: z.string().nullish(),
        Message: z.string(),
        MessageAttributes: z.record(z.string(), z.object({ Value: z.string().optional() }).loose()).optional(),
      }),
    }),
  ),
});
export type SnsEvent = z.infer<typeof snsEventSchema>;

export function notificationsOf(event: SnsEvent): SnsNotification[] {
  return event.Records.map(({ Sns }) => ({
    ...(Sns.Subject ? { subject: Sns.Subject } : {}),
    message: Sns.Message,
    ...(Sns.MessageAttributes?.outcome?.Value ? { outcome: Sns.MessageAttributes.outcome.Value } : {}),
  }));
}

let webhookUrl: Promise<string | undefined> | undefined;

/** The secret's notifyWebhookUrl, read once per cold start (an https URL, or nothing). */
async function readWebhookUrl(arn: string): Promise<string | undefined> {
  const sm = new SecretsManagerClient({ ...sdkTimeouts() });
  try {
    const raw = (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? "{}";
    const url = (JSON.parse(raw) as { notifyWebhookUrl?: unknown }).notifyWebhookUrl;
    if (typeof url !== "string" || !url) return undefined;
    if (!/^https:\/\/[^\s]+$/.test(url)) throw new InvalidInputError("the app secret's notifyWebhookUrl must be an https:// URL");
    return url;
  } finally {
    sm.destroy();
  }
}

export async function handler(event: unknown): Promise<{ sent: number }> {
  const parsed = snsEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError("chat notify: not an SNS event");
  const chatTopic = process.env.CHAT_TOPIC_ARN;
  const secretArn = process.env.NOTIFY_WEBHOOK_SECRET_ARN;
  if (secretArn) {
    webhookUrl ??= readWebhookUrl(secretArn).catch((err: unknown) => {
      webhookUrl = undefined;
      throw err;
    });
  }
  const url = secretArn ? await webhookUrl : undefined;
  if (secretArn && !url) log.warn("chat webhook: the app secret has no notifyWebhookUrl; set NOTIFY_WEBHOOK_URL and run `npx org-flows setup aws`");
  const sns = chatTopic ? new SNSClient({ ...sdkTimeouts() }) : undefined;
  let sent = 0;
  try {
    for (const n of notificationsOf(parsed.data)) {
      if (url) await postToChatWebhook(url, n);
      if (sns) await sns.send(new PublishCommand({ TopicArn: chatTopic, Message: JSON.stringify(customNotification(chatNotification(n))) }));
      sent++;
    }
  } finally {
    sns?.destroy();
  }
  log.info({ sent }, "chat notifications sent");
  return { sent };
}
