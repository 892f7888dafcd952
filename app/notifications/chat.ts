// What a notification of the topic looks like in a chat channel. The same text the email subscription receives,
// laid out for people: a title, the facts one per line, and what to do next (the commands). Nothing is added to
// it, so a chat channel learns no more personal data than the email carries.
import * as z from "zod";
import { parseFailedExecutionMessage } from "./failed-execution.js";

export const snsNotificationSchema = z.object({
  subject: z.string().optional(),
  message: z.string(),
  /** the `outcome` attribute the machines set: failure, budget, left, onboarded, ... */
  outcome: z.string().optional(),
});
export type SnsNotification = z.infer<typeof snsNotificationSchema>;

export const CHAT_KINDS = ["failure", "budget", "left", "alarm", "other"] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

export interface ChatNotification {
  kind: ChatKind;
  title: string;
  lines: string[];
  /** commands to run, shown as code */
  nextSteps: string[];
}

/** CloudWatch's alarm notification (JSON on the topic); Amazon Q Developer renders these itself. */
const alarmSchema = z.looseObject({
  AlarmName: z.string(),
  NewStateValue: z.string(),
  NewStateReason: z.string().optional(),
  AlarmDescription: z.string().nullish(),
});

function parseAlarm(message: string): z.infer<typeof alarmSchema> | undefined {
  if (!message.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = alarmSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const MAX_LINE = 600;
const clip = (s: string, n = MAX_LINE): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The notification laid out for a chat; any message of the topic gives one (unknown ones as title + text). */
export function chatNotification(input: SnsNotification): ChatNotification {
  const text = input.message.replace(/\r\n/g, "\n").trim();
  const failed = parseFailedExecutionMessage(text);
  if (failed) {
    const machine = failed.stateMachineArn.split(":").at(-1) ?? failed.stateMachineArn;
    return {
      kind: "failure",
      title: `Execution ${failed.status}: ${machine}`,
      lines: [`Execution: ${failed.name}`, `Error: ${failed.error || "(none)"}`, ...(failed.cause ? [clip(`Cause: ${failed.cause}`)] : [])],
      nextSteps: [`npx org-flows executions ${failed.name}`, `npx org-flows executions redrive ${failed.name}`],
    };
  }
  const alarm = parseAlarm(text);
  if (alarm) {
    return {
      kind: "alarm",
      title: `Alarm ${alarm.AlarmName}: ${alarm.NewStateValue}`,
      lines: [alarm.AlarmDescription, alarm.NewStateReason].filter((l): l is string => Boolean(l)).map((l) => clip(l)),
      nextSteps: [],
    };
  }
  const [first = "", ...rest] = text.split("\n");
  const title = input.subject?.trim() || first;
  const lines = (input.subject?.trim() ? [first, ...rest] : rest).map((l) => clip(l.trim())).filter(Boolean);
  const kind: ChatKind = input.outcome === "budget" ? "budget" : input.outcome === "left" ? "left" : input.outcome === "failure" ? "failure" : "other";
  return { kind, title: clip(title, 250), lines, nextSteps: [] };
}

const ICONS: Record<ChatKind, string> = { failure: ":x:", budget: ":money_with_wings:", left: ":wave:", alarm: ":rotating_light:", other: ":bell:" };

/**
 * Slack's escaping for message text (`&`, `<`, `>`): a login, a scope or an error cause can then never become a
 * link or an `@channel` mention (docs.slack.dev, "Formatting message text", escaping).
 */
export function escapeChat(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The body for an incoming webhook: `{"text": ...}`, which Slack, Mattermost, Rocket.Chat and Google Chat accept
 * as is; `*bold*` and backticks are their common markup.
 */
export function webhookBody(n: ChatNotification): { text: string } {
  const code = (c: string): string => `\`${c.replace(/`/g, "'")}\``;
  return {
    text: [
      `${ICONS[n.kind]} *${escapeChat(n.title)}*`,
      ...n.lines.map(escapeChat),
      ...(n.nextSteps.length ? [`Next: ${n.nextSteps.map((c) => code(escapeChat(c))).join(" then ")}`] : []),
    ].join("\n"),
  };
}

/**
 * An Amazon Q Developer in chat applications custom notification (docs.aws.amazon.com, chatbot admin guide,
 * "Custom notifications"): the only form in which it shows a message that is not an AWS service event.
 */
export function customNotification(n: ChatNotification): {
  version: "1.0";
  source: "custom";
  content: { textType: "client-markdown"; title: string; description: string; nextSteps?: string[] };
} {
  return {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: `${ICONS[n.kind]} ${n.title}`,
      description: n.lines.join("\n"),
      ...(n.nextSteps.length ? { nextSteps: n.nextSteps.map((c) => `\`${c}\``) } : {}),
    },
  };
}
