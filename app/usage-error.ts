/** A mistake of the person running a command (bad flag, missing variable): one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}
