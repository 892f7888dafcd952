import type { DestinationStream } from "pino";
import { readEnv } from "../env.js";
import { colourFor } from "./format.js";

/**
 * Where the server's logs go: JSON lines (for log collectors) unless LOG_FORMAT=pretty or, with LOG_FORMAT unset,
 * stdout is a terminal, in which case one readable line per event, coloured unless NO_COLOR is set.
 */
export async function logDestination(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WriteStream = process.stdout): Promise<DestinationStream> {
  const format = readEnv(env).LOG_FORMAT ?? (stream.isTTY ? "pretty" : "json");
  if (format === "json") return stream;
  // Loaded only when wanted: the Lambda and JSON logging never need it.
  const { default: pretty } = await import("pino-pretty");
  return pretty({
    destination: stream,
    colorize: colourFor(stream, env),
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
    sync: true,
  });
}
