import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { allocate } from "../chargeback/allocation.js";
import type { ChargebackSettings } from "../chargeback/settings.js";
import { COST_CENTER_PREFIX, ORG_TOTALS_PREFIX, orgPk, WORKFLOW_PREFIX } from "../records/keys.js";
import { totalsFromRuns } from "../records/rebuild.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { orgRunRecords } from "./run-records.js";
import { TABLE, tableName } from "./table.js";

export interface ReallocationResult {
  runs: number;
  /** run records whose cost centre changed */
  changed: number;
  items: number;
  removed: number;
}

/**
 * Re-applies `settings` (today's cost-centre property and rules; undefined: keep the recorded allocations) to every recorded attempt of the org, from the run
 * records (the source of truth, read with Query on gsi1, never Scan): each record's cost centre is updated where it
 * changed, then the org's, cost centres' and workflows' month totals are rewritten from the records and the ones no
 * longer backed by any record are deleted. Past months too. Like --rebuild, run it when no workflow runs are being
 * priced: an attempt recorded meanwhile may be missed from the rewritten totals (the next reallocation fixes it).
 */
export async function reallocate(
  org: string,
  settings: ChargebackSettings | undefined,
  progress: (msg: string) => void = () => {},
  opts: { dryRun?: boolean } = {},
): Promise<ReallocationResult> {
  const db = dynamoClient();
  const table = tableName();
  const runs = await orgRunRecords(db, org);
  progress(`read ${runs.length} run records`);
  let changed = 0;
  // Without settings: keep every record's allocation and only rewrite the totals from the records (a rebuild).
  for (const r of settings ? runs : []) {
    const a = allocate(r.repository, r.customProperties, settings!);
    if (a.costCenter === r.costCenter && a.by === r.allocatedBy) continue;
    changed += 1;
    // A dry run counts what would change and writes nothing.
    if (opts.dryRun) continue;
    await db.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall({ pk: r.pk, sk: r.sk }),
        UpdateExpression: "SET #cc = :cc, #by = :by",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#cc": "costCenter", "#by": "allocatedBy" },
        ExpressionAttributeValues: marshall({ ":cc": a.costCenter, ":by": a.by }),
      }),
    );
    r.costCenter = a.costCenter;
    r.allocatedBy = a.by;
  }
  if (opts.dryRun) {
    progress(`dry run: ${changed} of ${runs.length} run records would change cost centre; nothing written`);
    return { runs: runs.length, changed, items: 0, removed: 0 };
  }
  if (settings) progress(`${changed} run records changed cost centre`);
  const totals = totalsFromRuns(runs, "finance");
  const keep = new Set(totals.map((t) => `${String(t.pk)}\u0000${String(t.sk)}`));
  for (const t of totals) await db.send(new PutItemCommand({ TableName: table, Item: marshall(t) }));
  let removed = 0;
  for (const prefix of [ORG_TOTALS_PREFIX, COST_CENTER_PREFIX, WORKFLOW_PREFIX]) {
    const existing = await queryAll(db, {
      TableName: table,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :p)",
      ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#sk": TABLE.sortKey },
      ExpressionAttributeValues: marshall({ ":pk": orgPk(org), ":p": prefix }),
      ProjectionExpression: "#pk, #sk",
    });
    for (const e of existing) {
      const k = unmarshall(e) as { pk: string; sk: string };
      if (keep.has(`${k.pk}\u0000${k.sk}`)) continue;
      await db.send(new DeleteItemCommand({ TableName: table, Key: marshall(k) }));
      removed += 1;
    }
  }
  progress(`wrote ${totals.length} totals items, removed ${removed}`);
  return { runs: runs.length, changed, items: totals.length, removed };
}
