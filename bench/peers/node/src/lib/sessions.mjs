// Server-side sessions, as the Rust functions keep them: each token names a session
// (`jti`), listed in the user's STATE item (`OWNER#<id>`, `STATE`) as `s_<jti>` =
// expiry. Every authenticated request reads that item (consistently); login adds the
// session, dropping expired ones.

import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unauthorized } from './http.mjs';
import { conditionFailed } from './datastore.mjs';

const MAX_SESSIONS = 50;
const stateKey = (userId) => ({ pk: `OWNER#${userId}`, sk: 'STATE' });

/** Throws the 401 unless the session of `user` (from auth.authenticate) is open. */
export async function requireOpen({ db, table }, user) {
  const attribute = `s_${user.session}`;
  const { Item } = await db.send(
    new GetCommand({
      TableName: table,
      Key: stateKey(user.id),
      ProjectionExpression: '#session, closedAt',
      ExpressionAttributeNames: { '#session': attribute },
      ConsistentRead: true,
    }),
  );
  const open = Item && Item.closedAt === undefined && Item[attribute] > Date.now() / 1000;
  if (!open) throw unauthorized('This session has ended; please log in again.');
  return user;
}

/** Opens session `session` of `userId` until `expiresAt`; false when the account is closed. */
export async function openSession({ db, table }, userId, session, expiresAt) {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: stateKey(userId), ConsistentRead: true }));
  const now = Date.now() / 1000;
  const sessions = Object.entries(Item ?? {}).filter(([name]) => name.startsWith('s_'));
  const open = sessions.filter(([, expiry]) => expiry > now).sort((a, b) => a[1] - b[1]);
  const drop = [
    ...sessions.filter(([, expiry]) => !(expiry > now)).map(([name]) => name),
    ...open.slice(0, Math.max(0, open.length + 1 - MAX_SESSIONS)).map(([name]) => name),
  ];
  const names = { '#new': `s_${session}` };
  drop.forEach((name, i) => (names[`#old${i}`] = name));
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: stateKey(userId),
        UpdateExpression: `SET #new = :expires${drop.length ? ` REMOVE ${drop.map((_, i) => `#old${i}`).join(', ')}` : ''}`,
        ConditionExpression: 'attribute_not_exists(closedAt)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':expires': expiresAt },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}
