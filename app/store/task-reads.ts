// Consistent point reads the workflow-run-cost tasks make so that the machine spends no state (and no billed
// transition) on them: the remembered chargeback settings (written only when they change) and each budget's
// month-to-date after the commit.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;

/** One item by key, read consistently (the commit just before must be seen), projected to the named attributes. */
export async function readItem(db: DynamoDBClient, table: string, key: Item, attributes: string[]): Promise<Item | undefined> {
  const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
  const out = await db.send(
    new GetItemCommand({
      TableName: table,
      Key: key,
      ConsistentRead: true,
      ProjectionExpression: Object.keys(names).join(", "),
      ExpressionAttributeNames: names,
    }),
  );
  return out.Item;
}

/**
 * Whether the remembered settings item differs from the one about to be written (what it applies, not when it was
 * read). Nothing remembered reads as the defaults (the report and reconcile fall back to them), so an org without
 * chargeback settings never writes the item.
 */
export function settingsChanged(remembered: Item | undefined, next: Item, defaultsJson: string): boolean {
  if (!remembered) return next.settings?.S !== defaultsJson;
  return remembered.settings?.S !== next.settings?.S || remembered.source?.S !== next.source?.S;
}
