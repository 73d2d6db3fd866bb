// Users and the login throttle's counters: the items and conditions of the Rust store.

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { conditionFailed } from './datastore.mjs';

const userPk = (normalized) => `USER#${normalized}`;
const RESERVATION_ROUNDS = 3;

export async function createUser({ db, table }, name, passwordHash) {
  const user = { userId: ulid(), userName: name, passwordHash, createdAt: new Date().toISOString() };
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: userPk(name.toLowerCase()), sk: 'PROFILE', entity: 'user', ...user },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return user;
  } catch (error) {
    if (conditionFailed(error)) return undefined;
    throw error;
  }
}

async function item({ db, table }, normalized, sk) {
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: { pk: userPk(normalized), sk }, ConsistentRead: true }),
  );
  return Item;
}

export const findUser = (store, normalized) => item(store, normalized, 'PROFILE');

/** Reserves one login attempt: 'ok', or {windowEnd} when used up, or 'contended'. */
export async function reserveLoginAttempt(store, normalized, max, windowSeconds) {
  const { db, table } = store;
  const Key = { pk: userPk(normalized), sk: 'LOGINFAIL' };
  for (let round = 0; round < RESERVATION_ROUNDS; round++) {
    const now = Math.floor(Date.now() / 1000);
    const open = Math.max(0, now - windowSeconds);
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: { ...Key, failures: 1, windowStart: now, expiresAt: now + windowSeconds },
          ConditionExpression: 'attribute_not_exists(pk) OR windowStart <= :open',
          ExpressionAttributeValues: { ':open': open },
        }),
      );
      return 'ok';
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    try {
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key,
          UpdateExpression: 'ADD failures :one',
          ConditionExpression: 'windowStart > :open AND failures < :max',
          ExpressionAttributeValues: { ':one': 1, ':open': open, ':max': max },
        }),
      );
      return 'ok';
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    const counter = await item(store, normalized, 'LOGINFAIL');
    if (counter && counter.windowStart > open && counter.failures >= max) {
      return { windowEnd: counter.windowStart + windowSeconds };
    }
  }
  return 'contended';
}

export async function clearLoginAttempts({ db, table }, normalized) {
  await db.send(new DeleteCommand({ TableName: table, Key: { pk: userPk(normalized), sk: 'LOGINFAIL' } }));
}
