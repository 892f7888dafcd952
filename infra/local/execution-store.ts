import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { DATA_DIR_MODE, DATA_FILE_MODE } from "./data-dir-mode.js";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** One history event, already in the Step Functions API's shape (HistoryEvent). */
export interface HistoryEventRecord {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEventRecord[];
  redriveCount?: number;
  redriveDate?: number;
  /** set by a redrive: where the execution goes on (and where a resume after a crash starts again) */
  resumeFrom?: { state: string; input: string };
}

/** Executions of the embedded endpoint, one JSON file each under `<dataDir>/executions`, so they outlive a restart. */
export class ExecutionStore {
  private readonly byArn = new Map<string, ExecutionRecord>();
  private readonly dir: string | undefined;

  constructor(dataDir: string | undefined) {
    if (!dataDir) return;
    this.dir = `${dataDir}/executions`;
    mkdirSync(this.dir, { recursive: true, mode: DATA_DIR_MODE });
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith(".json")) continue;
      try {
        const rec = JSON.parse(readFileSync(`${this.dir}/${f}`, "utf8")) as ExecutionRecord;
        this.byArn.set(rec.executionArn, rec);
      } catch {
        // A file cut short by a crash holds no usable state; skip it rather than refuse to start.
      }
    }
  }

  get(arn: string): ExecutionRecord | undefined {
    return this.byArn.get(arn);
  }

  list(stateMachineArn?: string): ExecutionRecord[] {
    return [...this.byArn.values()]
      .filter((e) => !stateMachineArn || e.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate - a.startDate || a.name.localeCompare(b.name));
  }

  save(rec: ExecutionRecord): void {
    this.byArn.set(rec.executionArn, rec);
    if (!this.dir) return;
    const machine = rec.stateMachineArn.split(":").pop() ?? "machine";
    // An Express execution's name is not unique (no deduplication): its file also carries the id from its ARN.
    const express = /:express:[^:]+:[^:]+:([^:]+)$/.exec(rec.executionArn);
    const file = `${this.dir}/${machine}__${rec.name}${express ? `__${express[1]}` : ""}.json`;
    const tmp = `${file}.tmp`;
    // Write then rename: a crash mid-write never leaves a half file under the real name.
    // An execution's input and output name members: the operator's only.
    writeFileSync(tmp, JSON.stringify(rec), { mode: DATA_FILE_MODE });
    renameSync(tmp, file);
  }

  has(arn: string): boolean {
    return this.byArn.has(arn);
  }

  static exists(dataDir: string): boolean {
    return existsSync(`${dataDir}/executions`);
  }
}
