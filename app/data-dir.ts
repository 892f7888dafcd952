// DATA_DIR checked before the embedded default opens it, each problem one line naming it (UsageError, exit 2).
// A mistyped folder must not look like an empty install, and a path that can never work must fail at once: Node's
// recursive mkdir loops for ever under /proc, so folders are created one level at a time here.
import { closeSync, mkdirSync, openSync, rmSync, statSync, type Stats } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "./errors.js";

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function unusable(dir: string, err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException).code ?? "error";
  const why =
    code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code === "ENOTDIR" || code === "EEXIST"
        ? "a file is in the way"
        : code === "EROFS"
          ? "a read-only file system"
          : code === "ENOENT"
            ? "the file system does not let a folder be made there"
            : code;
  return new UsageError(`DATA_DIR ${dir} cannot be used: ${why} (${code}); set DATA_DIR to a writable folder`);
}

/**
 * Throws a UsageError unless `dir` is a folder this process can write. `create`: make it (and its missing parents)
 * when it does not exist, as `start` and `demo` do; otherwise a missing folder is refused, naming it.
 */
export function checkDataDirUsable(dir: string, opts: { create: boolean }): void {
  try {
    const st = statOrUndefined(dir);
    if (st && !st.isDirectory()) throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
    if (!st) {
      if (!opts.create)
        throw new UsageError(`DATA_DIR ${dir} does not exist: set DATA_DIR to the folder \`npx org-flows start\` uses (default .data), or run start first`);
      const missing: string[] = [];
      let at = dir;
      for (;;) {
        const up = statOrUndefined(at);
        if (up) {
          if (!up.isDirectory()) throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
          break;
        }
        missing.unshift(at);
        const parent = dirname(at);
        if (parent === at) break;
        at = parent;
      }
      for (const level of missing) mkdirSync(level);
    }
    // Permissions say little for root or on special file systems: write a file to know.
    const probe = join(dir, `.org-flows-probe-${process.pid}`);
    closeSync(openSync(probe, "wx"));
    rmSync(probe, { force: true });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw unusable(dir, err);
  }
}
