// Todos: one item each under the owner's partition, with the Rust store's conditions,
// paging (a key-only query to count and locate the page, then the page itself) and
// newest-first order by ULID sort keys.

import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { conditionFailed } from './datastore.mjs';

const nextKey = monotonicFactory();
const ownerPk = (ownerId) => `OWNER#${ownerId}`;
const ruleSk = (key) => `RULE#${key}`;
const FIELDS = ['key', 'name', 'desc', 'status', 'progress', 'owner', 'createdAt', 'updatedAt', 'version'];

const toRule = (item) => Object.fromEntries(FIELDS.map((f) => [f, item[f]]));

export async function createRule({ db, table }, owner, fields) {
  const now = new Date().toISOString();
  const rule = { key: nextKey(), ...fields.rule, owner: owner.name, createdAt: now, updatedAt: now, version: 1 };
  await db.send(
    new PutCommand({
      TableName: table,
      Item: { pk: ownerPk(owner.id), sk: ruleSk(rule.key), entity: 'rule', nameLower: fields.nameLower, ...rule },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return toRule(rule);
}

export async function getRule({ db, table }, ownerId, key) {
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: { pk: ownerPk(ownerId), sk: ruleSk(key) }, ConsistentRead: true }),
  );
  return Item && toRule(Item);
}

/** {updated}, {notFound: true} or {stale: current}. */
export async function updateRule(store, ownerId, changes) {
  const sets = ['#updatedAt = :updatedAt', '#version = #version + :one'];
  const names = { '#updatedAt': 'updatedAt', '#version': 'version' };
  const values = { ':updatedAt': new Date().toISOString(), ':one': 1 };
  for (const [attribute, value] of Object.entries(changes.set)) {
    sets.push(`#${attribute} = :${attribute}`);
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
  }
  let condition = 'attribute_exists(pk)';
  if (changes.version !== undefined) {
    condition += ' AND #version = :expected';
    values[':expected'] = changes.version;
  }
  try {
    const { Attributes } = await store.db.send(
      new UpdateCommand({
        TableName: store.table,
        Key: { pk: ownerPk(ownerId), sk: ruleSk(changes.key) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { updated: toRule(Attributes) };
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    const current = await getRule(store, ownerId, changes.key);
    return current ? { stale: current } : { notFound: true };
  }
}

/** Deletes the keys (16 at a time); answers how many existed. */
export async function deleteRules({ db, table }, ownerId, keys) {
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 16) {
    const results = await Promise.all(
      keys.slice(i, i + 16).map((key) =>
        db.send(
          new DeleteCommand({ TableName: table, Key: { pk: ownerPk(ownerId), sk: ruleSk(key) }, ReturnValues: 'ALL_OLD' }),
        ),
      ),
    );
    deleted += results.filter((r) => r.Attributes && Object.keys(r.Attributes).length > 0).length;
  }
  return deleted;
}

/** One page of the owner's todos matching the query, newest first, and the total. */
export async function listRules({ db, table }, ownerId, query) {
  const names = { '#pk': 'pk', '#sk': 'sk' };
  const values = { ':pk': ownerPk(ownerId), ':prefix': 'RULE#' };
  const filters = [];
  if (query.name) {
    names['#nameLower'] = 'nameLower';
    values[':name'] = query.name;
    filters.push('contains(#nameLower, :name)');
  }
  if (query.statuses.length > 0) {
    names['#status'] = 'status';
    query.statuses.forEach((s, i) => (values[`:s${i}`] = s));
    filters.push(`#status IN (${query.statuses.map((_, i) => `:s${i}`).join(', ')})`);
  }
  const base = {
    TableName: table,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
  };
  const offset = (query.current - 1) * query.pageSize;
  let total = 0;
  let startAfter;
  let exclusive;
  do {
    const output = await db.send(new QueryCommand({ ...base, ProjectionExpression: '#pk, #sk', ExclusiveStartKey: exclusive }));
    for (const item of output.Items ?? []) {
      total += 1;
      if (total === offset) startAfter = item;
    }
    exclusive = output.LastEvaluatedKey;
  } while (exclusive && Object.keys(exclusive).length > 0);
  if (offset >= total) return { rules: [], total };
  const rules = [];
  exclusive = startAfter;
  do {
    const wanted = query.pageSize - rules.length;
    const output = await db.send(
      new QueryCommand({ ...base, Limit: filters.length > 0 ? Math.max(wanted, 25) : wanted, ExclusiveStartKey: exclusive }),
    );
    for (const item of output.Items ?? []) if (rules.length < query.pageSize) rules.push(toRule(item));
    exclusive = output.LastEvaluatedKey;
  } while (exclusive && Object.keys(exclusive).length > 0 && rules.length < query.pageSize);
  return { rules, total };
}
