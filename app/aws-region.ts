// On AWS every command needs a region; the SDK's own "Region is missing" does not say where one is set.
import { newSfnClient } from "./executions/sfn-client.js";
import { UsageError } from "./errors.js";

/** Throws a UsageError naming what to set when the SDK finds no region (environment or AWS profile). */
export async function checkAwsRegion(): Promise<void> {
  const client = newSfnClient();
  try {
    const region = await client.config.region();
    if (region) return;
  } catch {
    // no region anywhere the SDK looks: said below
  } finally {
    client.destroy();
  }
  throw new UsageError(
    "AWS needs a region (ORG_FLOWS_BACKEND=aws or AWS settings are set): set AWS_REGION to the stack's region (e.g. eu-west-1), or region in the AWS_PROFILE's config",
  );
}
