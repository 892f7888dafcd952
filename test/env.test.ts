import { backend, readEnv as read } from "../app/env.js";

/** Probot types LOG_LEVEL in NodeJS.ProcessEnv; these tests need to pass what a person might type. */
const readEnv = (vars: Record<string, string>) => read(vars as unknown as NodeJS.ProcessEnv);

describe("the environment, read in one place", () => {
  test("defaults, and empty values count as unset", () => {
    const env = readEnv({ LOG_LEVEL: "", DATA_DIR: " " });
    expect(env).toMatchObject({ LOG_LEVEL: "info", DATA_DIR: ".data", GHE_PROTOCOL: "https" });
    expect(env.TABLE_NAME).toBeUndefined();
  });

  test("every bad variable is named in one line", () => {
    expect(() => readEnv({ LOG_LEVEL: "verbose", LOG_FORMAT: "fancy", OUTBOUND_TIMEOUT_MS: "1.5" })).toThrow(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose"); LOG_FORMAT must be one of json, pretty (got "fancy"); OUTBOUND_TIMEOUT_MS must be a whole number (got "1.5")',
    );
    expect(() => readEnv({ WORKFLOW_RUN_COST_STATE_MACHINE_ARN: "cost" })).toThrow("WORKFLOW_RUN_COST_STATE_MACHINE_ARN must be a state machine ARN");
    expect(() => readEnv({ AWS_ENDPOINT_URL_SFN: "localhost:8083" })).toThrow("AWS_ENDPOINT_URL_SFN must be a URL");
  });

  test("one rule for AWS or the embedded default, shared by the server and the commands", () => {
    expect(backend(readEnv({}))).toBe("embedded");
    for (const [k, v] of Object.entries({
      TABLE_NAME: "org-flows",
      AWS_ENDPOINT_URL_SFN: "http://127.0.0.1:8083",
      AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
      WORKFLOW_RUN_COST_STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:cost",
      MEMBER_ONBOARDING_STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:onboard",
    })) {
      expect({ k, b: backend(readEnv({ [k]: v })) }).toEqual({ k, b: "aws" });
    }
    expect(backend(readEnv({ TABLE_NAME: "x", ORG_FLOWS_BACKEND: "embedded" }))).toBe("embedded");
    expect(backend(readEnv({ ORG_FLOWS_BACKEND: "aws" }))).toBe("aws");
  });
});
