// Bundled in place of `bottleneck` in every Lambda (infra/bundling.ts, `alias`); never imported by the app's own
// code. Probot imports the full build only for Redis clustering (REDIS_URL), which the Lambdas never configure;
// Octokit's throttling and retry plugins import the light build (no clustering), `bottleneck/light.js`, which the
// alias turns into ./light.js beside this file. Both give the package's own light build, reached by its path
// because the alias covers every import by the package's name. The full build's Redis code was 58 KB.
export { default } from "../../../node_modules/bottleneck/light.js";
