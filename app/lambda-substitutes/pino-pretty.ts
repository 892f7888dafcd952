// Bundled in place of `pino-pretty` in every Lambda (infra/bundling.ts, `alias`); never imported by the app's own
// code. Probot imports it (through @probot/pino) for the logger it builds when it is given none; the Lambdas always
// give it app/log.ts's JSON logger, so this is never called there. Leaving pino-pretty and its dependencies out is
// 52 KB of the webhook bundle, evaluated at every cold start.
export function prettyFactory(): never {
  throw new Error("pino-pretty is not bundled in the Lambdas: give Probot a logger (app/log.ts)");
}
