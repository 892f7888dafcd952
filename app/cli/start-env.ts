// What `npx org-flows start` checks before it starts anything, so that a bad setting stops it at once with one line naming
// the variable, instead of a trace or a server that hangs half-started.
import { createServer } from "node:net";
import { resolve } from "node:path";
import * as z from "zod";
import { checkDataDirUsable } from "../data-dir.js";
import { UsageError } from "../errors.js";
import { readEnv } from "../env.js";

export interface StartSettings {
  port: number;
  host: string;
  dataDir: string;
}

const portSchema = z
  .string()
  .regex(/^\d{1,5}$/)
  .transform(Number)
  .refine((n) => n <= 65535);

/** PORT and HOST as given (defaults 3000, 127.0.0.1) and every other variable valid, or a UsageError naming it. */
export function checkStartEnv(env: NodeJS.ProcessEnv): StartSettings {
  const settings = readEnv(env);
  const rawPort = env.PORT?.trim() || "3000";
  const port = portSchema.safeParse(rawPort);
  if (!port.success) throw new UsageError(`PORT must be a whole number from 0 to 65535, got ${JSON.stringify(env.PORT)}`);
  const host = env.HOST?.trim() || "127.0.0.1";
  return { port: port.data, host, dataDir: resolve(settings.DATA_DIR) };
}

/** The data folder exists (created if need be) and is writable, or a UsageError naming DATA_DIR. */
export function checkDataDir(dir: string): void {
  checkDataDirUsable(dir, { create: true });
}

/** A failed listen as one line naming PORT or HOST. */
export function describeListenError(err: unknown, port: number, host: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "EADDRINUSE":
      return `PORT ${port} is already in use on ${host}: stop the other server or set PORT to a free port`;
    case "EACCES":
    case "EPERM":
      return `PORT ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above`;
    case "EADDRNOTAVAIL":
      return `HOST ${host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its addresses`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return `HOST ${host} cannot be resolved: use an IP address or a name of this machine`;
    default:
      return `cannot listen on HOST ${host} PORT ${port}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Tries the address before anything else starts (the embedded backends take a second and resume executions):
 * most PORT/HOST mistakes are then reported before there is anything to stop.
 */
export async function probeListen(port: number, host: string): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(port, host, () => ok());
    });
  } catch (err) {
    throw new UsageError(describeListenError(err, port, host));
  }
  await new Promise<void>((ok) => server.close(() => ok()));
}
