import { UsageError } from "../errors.js";

/**
 * Runs a command's main; user mistakes print one line and exit 2, anything else one line and exit 1.
 * `exitOnError`: exit at once after the line, whatever handles are still open (for the server).
 */
export function runCli(main: () => Promise<number | undefined>, opts: { exitOnError?: boolean } = {}): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof UsageError || e.name === "CommanderError") {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`error: ${e.name === "Error" ? "" : `${e.name}: `}${e.message}\n`);
        if (process.env.DEBUG) process.stderr.write(`${e.stack}\n`);
        process.exitCode = 1;
      }
      if (opts.exitOnError) process.exit();
    },
  );
}
