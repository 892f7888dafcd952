// Which cost centre an attempt is charged to, and under which workflow file. Pure: the price-run task applies it
// when an attempt is recorded, `report --reallocate` re-applies today's settings to the recorded runs.
import * as z from "zod";
import { repoGlobMatcher } from "../config/glob.js";
import { UNALLOCATED, type ChargebackSettings } from "./settings.js";

/**
 * A repository's custom properties as the webhook payload carries them (`repository.custom_properties`): a
 * string, a list of strings (multi-select) or null per property name.
 */
export const customPropertiesSchema = z.record(z.string().max(100), z.union([z.string().max(500), z.array(z.string().max(500)).max(50), z.null()]));
export type CustomProperties = z.infer<typeof customPropertiesSchema>;

/** At most this many properties travel with an attempt (and are kept on its record, for --reallocate). */
export const MAX_PROPERTIES = 50;

/**
 * The properties an execution input may carry: strings and lists of strings only, capped, so that an odd payload
 * can never make the input invalid (the delivery would be ignored) or large. Deterministic for a given payload.
 */
export function sanitiseProperties(raw: unknown): CustomProperties | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const out: CustomProperties = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>).slice(0, MAX_PROPERTIES)) {
    if (name.length > 100) continue;
    if (typeof value === "string") out[name] = value.slice(0, 500);
    else if (value === null) out[name] = null;
    else if (Array.isArray(value))
      out[name] = value
        .filter((v): v is string => typeof v === "string")
        .slice(0, 50)
        .map((v) => v.slice(0, 500));
  }
  return Object.keys(out).length ? out : undefined;
}

export type AllocatedBy = "property" | "rule" | "none";

export interface Allocation {
  costCenter: string;
  by: AllocatedBy;
}

/** A property's value as a cost centre name: the first non-blank string, trimmed, one line, at most 64 chars. */
function propertyValue(properties: CustomProperties | undefined, name: string): string | undefined {
  if (!properties) return undefined;
  const key = name in properties ? name : Object.keys(properties).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return undefined;
  const v = properties[key];
  const first = Array.isArray(v) ? v.find((s) => s.trim() !== "") : v;
  if (typeof first !== "string") return undefined;
  const clean = first
    .replace(/[\r\n\t]+/g, " ")
    .trim()
    .slice(0, 64);
  return clean === "" ? undefined : clean;
}

const matchers = new WeakMap<ChargebackSettings, Array<{ name: string; match: (s: string) => boolean }>>();

function rulesOf(settings: ChargebackSettings): Array<{ name: string; match: (s: string) => boolean }> {
  let m = matchers.get(settings);
  if (!m) {
    m = settings.costCenters.map((c) => ({ name: c.name, match: repoGlobMatcher(c.repos) }));
    matchers.set(settings, m);
  }
  return m;
}

/**
 * The repository's custom property (named in the settings) first; else the first rule whose globs match
 * owner/name (case-insensitive, file order); else `unallocated`.
 */
export function allocate(repository: string, properties: CustomProperties | undefined, settings: ChargebackSettings): Allocation {
  const byProperty = propertyValue(properties, settings.costCenterProperty);
  if (byProperty !== undefined) return { costCenter: byProperty, by: "property" };
  const rule = rulesOf(settings).find((r) => r.match(repository));
  if (rule) return { costCenter: rule.name, by: "rule" };
  return { costCenter: UNALLOCATED, by: "none" };
}

export const UNKNOWN_WORKFLOW = "(unknown workflow)";

/**
 * The workflow file of a run: `workflow_run.path` (`.github/workflows/ci.yml`), without the `@ref` GitHub appends
 * for some runs (reusable or dynamic workflows).
 */
export function workflowFile(path: string | null | undefined): string {
  if (!path) return UNKNOWN_WORKFLOW;
  const at = path.indexOf("@");
  const file = (at > 0 ? path.slice(0, at) : path).trim();
  return file === "" ? UNKNOWN_WORKFLOW : file.slice(0, 300);
}
