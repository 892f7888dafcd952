import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { readEnv } from "../../app/env.js";
import { forwardToChatWebhook } from "../../app/notifications/webhook-post.js";
import { DATA_DIR_MODE, DATA_FILE_MODE } from "./data-dir-mode.js";

export interface OutboxMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  attributes?: Record<string, string>;
  publishedAt: string;
}

/** The embedded stand-in for an SNS topic: one JSON line per published message under `<dataDir>/sns-outbox.jsonl`. */
export class SnsOutbox {
  readonly file: string | undefined;
  private readonly memory: OutboxMessage[] = [];

  constructor(
    dataDir: string | undefined,
    private readonly onPublish?: (m: OutboxMessage) => void,
  ) {
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
      this.file = `${dataDir}/sns-outbox.jsonl`;
    }
  }

  publish(input: { TopicArn?: string; Subject?: string; Message?: string; MessageAttributes?: Record<string, { StringValue?: string }> }): {
    MessageId: string;
  } {
    if (!input.TopicArn) throw Object.assign(new Error("TopicArn is required"), { name: "SNS.InvalidParameterException" });
    if (typeof input.Message !== "string" || input.Message.length === 0) {
      throw Object.assign(new Error("Message must be a non-empty string"), { name: "SNS.InvalidParameterException" });
    }
    // SNS refuses a subject of 100 characters or more, or with control characters: so does the outbox, so that a
    // test fails here where AWS would fail there.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: SNS refuses control characters in a Subject; this finds them.
    if (input.Subject !== undefined && (input.Subject.length === 0 || input.Subject.length >= 100 || /[\u0000-\u001f\u007f]/.test(input.Subject))) {
      throw Object.assign(new Error("Invalid parameter: Subject must be 1 to 99 printable characters on one line"), { name: "SNS.InvalidParameterException" });
    }
    const attributes = Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ""]));
    const msg: OutboxMessage = {
      messageId: randomUUID(),
      topicArn: input.TopicArn,
      subject: input.Subject,
      message: input.Message,
      attributes,
      publishedAt: new Date().toISOString(),
    };
    // Messages name members (emails): the file is the operator's only.
    if (this.file) appendFileSync(this.file, `${JSON.stringify(msg)}\n`, { mode: DATA_FILE_MODE });
    else this.memory.push(msg);
    this.onPublish?.(msg);
    // The embedded counterpart of the stack's chat subscriber: the same message, laid out for people.
    const chat = readEnv().NOTIFY_WEBHOOK_URL;
    if (chat) {
      forwardToChatWebhook(chat, { subject: msg.subject, message: msg.message, outcome: attributes.outcome }, (err) =>
        process.stderr.write(`org-flows: a notification did not reach the chat webhook: ${err.message}\n`),
      );
    }
    return { MessageId: msg.messageId };
  }

  read(): OutboxMessage[] {
    if (!this.file) return [...this.memory];
    return readOutbox(this.file);
  }
}

export function readOutbox(file: string): OutboxMessage[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage);
}
