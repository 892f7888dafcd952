// `bottleneck/light.js` in the Lambdas: see ./index.js.
export { default } from "../../../node_modules/bottleneck/light.js";
