// DATA_DIR holds member records (emails, employee ids), notifications and execution inputs: it is the operator's
// alone. Created 0700 with its files 0600, and a folder that belongs to another user is refused (whoever owns it
// could read or plant the store). Kept apart from the lock (data-dir-lock.ts) on purpose.
import { chmodSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../app/errors.js";

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** One line for the operator: the folder is someone else's. */
export class DataDirOwnerError extends UsageError {
  constructor(dir: string, uid: number) {
    super(`DATA_DIR ${dir} belongs to another user (uid ${uid}), not to this one (uid ${process.getuid?.()}): refused; use a folder of your own`);
  }
}

/** Files created by this process from now on (dynalite's LevelDB files included) are readable by its user only. */
function privateUmask(): void {
  try {
    process.umask(process.umask() | 0o077);
  } catch {
    // worker threads may not change the umask; the explicit modes below still apply
  }
}

/** Group and other bits taken off everything already in the folder (a DATA_DIR written by an older version). */
function tighten(path: string, depth = 0): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    if ((st.mode & 0o077) !== 0) chmodSync(path, DATA_DIR_MODE);
    if (depth < 4) for (const name of readdirSync(path)) tighten(join(path, name), depth + 1);
  } else if (st.isFile() && (st.mode & 0o077) !== 0) chmodSync(path, st.mode & 0o700);
}

/**
 * Creates `dir` (0700) or checks it: a folder owned by another user is refused with DataDirOwnerError; one of ours
 * is made private. Call before anything is written into it.
 */
export function privateDataDir(dir: string): void {
  privateUmask();
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const st = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new DataDirOwnerError(dir, st.uid);
  tighten(dir);
}
