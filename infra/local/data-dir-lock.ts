// dynalite holds an exclusive LevelDB lock on DATA_DIR/dynamodb: a second process that opens it dies later with an
// uncaught "Database is closed". This lock file is taken first, so that the second process knows who holds the
// folder (and can use that server's endpoints, wait for a short command, or stop with one line).
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../app/errors.js";

export type LockRole = "server" | "command";

export interface LockHolder {
  pid: number;
  role: LockRole | "unknown";
}

/** An operator's problem, not a crash: one line, no stack (UsageError). */
export class DataDirInUseError extends UsageError {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    const who = holder.role === "server" ? `pid ${holder.pid}, org-flows start` : holder.role === "command" ? `pid ${holder.pid}, a command` : "starting up";
    super(`DATA_DIR ${dir} is in use by another org-flows process (${who}); stop it or use another DATA_DIR`);
  }
}

export function lockPath(dir: string): string {
  return join(dir, "org-flows.lock");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM" && !isZombie(pid);
  }
  return !isZombie(pid);
}

/**
 * A process killed with SIGKILL stays in the process table as a zombie (state Z) until its parent reaps it, and
 * kill(pid, 0) still finds it: it holds nothing any more. Linux only; elsewhere nothing is known and it counts as alive.
 */
export function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

function readHolder(file: string): { holder: LockHolder; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === "number") return { holder: { pid: h.pid, role: h.role === "server" || h.role === "command" ? h.role : "unknown" }, text };
  } catch {
    // Created but not yet written by its owner (a moment), or damaged: see acquire.
  }
  return { holder: { pid: 0, role: "unknown" }, text };
}

/** A lock file still empty after this long was left by a process that died while taking it. */
const UNWRITTEN_GRACE_MS = 5_000;

function held(file: string, holder: LockHolder): boolean {
  if (holder.pid !== 0) return alive(holder.pid);
  try {
    return Date.now() - statSync(file).mtimeMs < UNWRITTEN_GRACE_MS;
  } catch {
    return false;
  }
}

/** The live process holding `dir`, or undefined when nobody does. */
export function dataDirHolder(dir: string): LockHolder | undefined {
  const file = lockPath(dir);
  const read = readHolder(file);
  return read && held(file, read.holder) ? read.holder : undefined;
}

/**
 * Takes `dir` for this process, or throws DataDirInUseError naming the live holder. A lock left by a process that
 * died is taken over; the takeover moves the stale file aside atomically and checks it moved the file it judged
 * stale, so two processes taking over at once cannot both win.
 */
export function acquireDataDirLock(dir: string, role: LockRole): { release(): void } {
  const file = lockPath(dir);
  const mine = JSON.stringify({ pid: process.pid, role });
  for (let attempt = 0; attempt < 5; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const read = readHolder(file);
      if (!read) continue; // released meanwhile: try again
      if (held(file, read.holder)) throw new DataDirInUseError(dir, read.holder);
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // someone else moved it first
      }
      const moved = readHolder(aside);
      if (moved && moved.text !== read.text) {
        // A fresh lock was taken between our read and our move: put it back and report its holder.
        try {
          linkSync(aside, file);
        } catch {
          // a third process locked meanwhile; it is the holder now
        }
        rmSync(aside, { force: true });
        throw new DataDirInUseError(dir, moved.holder);
      }
      rmSync(aside, { force: true });
      continue;
    }
    writeSync(fd, mine);
    closeSync(fd);
    return {
      release() {
        if (readHolder(file)?.text === mine) rmSync(file, { force: true });
      },
    };
  }
  throw new DataDirInUseError(dir, dataDirHolder(dir) ?? { pid: 0, role: "unknown" });
}
