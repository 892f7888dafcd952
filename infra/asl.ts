/** A state machine definition, as far as finding its Task states needs (the deployed and the embedded side). */
export interface AslState {
  Type?: string;
  Resource?: string;
  Parameters?: unknown;
  TimeoutSeconds?: number;
  Branches?: AslMachine[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
}

export interface AslMachine {
  States?: Record<string, AslState>;
}

/** Every Task state with its name, including those inside Parallel branches and Map processors. */
export function* taskStates(machine: AslMachine): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    if (state.Type === "Task") yield [name, state];
    for (const branch of state.Branches ?? []) yield* taskStates(branch);
    if (state.ItemProcessor) yield* taskStates(state.ItemProcessor);
    if (state.Iterator) yield* taskStates(state.Iterator);
  }
}
