import { MACHINES, machinePlaceholder, type MachineKey, type MachinePlaceholder } from "../app/dispatch/machines.js";
import { TASK_LIST, type TaskPlaceholder } from "../app/tasks/registry.js";

/**
 * The `${...}` placeholders of machines/*.asl.json. The CDK stack fills them with deployed ARNs, the embedded
 * default with loopback ones: one list, so the two can never drift apart.
 */
export const RESOURCE_KEYS = ["TableName", "TopicArn"] as const;
/** A machine that starts another as a child names it by `${<Key>StateMachineArn}`. */
export const MACHINE_KEYS: readonly MachinePlaceholder[] = (Object.keys(MACHINES) as MachineKey[]).map(machinePlaceholder);
export type SubstitutionKey = TaskPlaceholder | (typeof RESOURCE_KEYS)[number] | MachinePlaceholder;
export const SUBSTITUTION_KEYS: readonly SubstitutionKey[] = [...TASK_LIST.map((t) => t.placeholder as TaskPlaceholder), ...RESOURCE_KEYS, ...MACHINE_KEYS];
export type Substitutions = Record<SubstitutionKey, string>;

/** Fills the placeholders; a placeholder left unfilled is an error, never a silent literal. */
export function substitute(definition: string, values: Substitutions): string {
  const out = definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => {
    if (!(key in values)) throw new Error(`unknown placeholder ${whole} in state machine definition`);
    return values[key as SubstitutionKey];
  });
  return out;
}

/** The placeholders a definition uses, to check that each has a value. */
export function placeholders(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))];
}
