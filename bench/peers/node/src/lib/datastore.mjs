// The DynamoDB client, built once per instance, and the warm-up round trip the
// initializer makes before the first invocation (the same GetItem as the Rust functions).

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

/** The document client and table, from TABLE_NAME (and DYNAMODB_ENDPOINT locally). */
export function connect() {
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined;
  const client = new DynamoDBClient({
    endpoint,
    maxAttempts: 3,
    // A local emulator needs no real credentials.
    ...(endpoint && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
  return {
    db: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    table: process.env.TABLE_NAME,
  };
}

/**
 * One GetItem of a key that never exists (connection open, table proven readable),
 * retried with backoff while the datastore is unreachable, until
 * INITIALIZER_TIMEOUT_SECONDS; a missing table or a denial fails at once.
 */
export async function warm({ db, table }) {
  const deadline = Date.now() + Number(process.env.INITIALIZER_TIMEOUT_SECONDS || 5) * 1000;
  for (let backoff = 25; ; backoff = Math.min(backoff * 2, 800)) {
    try {
      await db.send(
        new GetCommand({ TableName: table, Key: { pk: 'WARMUP', sk: 'WARMUP' }, ProjectionExpression: 'pk' }),
      );
      return;
    } catch (error) {
      const permanent = error?.$metadata?.httpStatusCode >= 400 && error.$metadata.httpStatusCode < 500;
      if (permanent || Date.now() + backoff > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

/** Whether `error` is a failed condition (the SDK's ConditionalCheckFailedException). */
export const conditionFailed = (error) => error?.name === 'ConditionalCheckFailedException';
