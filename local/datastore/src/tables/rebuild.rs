//! Rebuilding a local table whose definition gained an index: its items are read,
//! the table is created anew from the template, and the items are written back (the
//! emulator keeps indexes up to date on writes, but cannot add one to a table).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};

use super::{TableError, api, create, wait_until_deleted};
use crate::template::TableDefinition;

/// `BatchWriteItem`'s limit.
const BATCH: usize = 25;

/// Rebuilds table `name` as `definition` says, keeping its items; answers how many.
pub(super) async fn rebuild(
    client: &Client,
    definition: &TableDefinition,
    name: &str,
) -> Result<usize, TableError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(name)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| api("Scan", name, e))?;
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    tracing::warn!(
        table = name,
        items = items.len(),
        "rebuilding the table for a new index"
    );
    client
        .delete_table()
        .table_name(name)
        .send()
        .await
        .map_err(|e| api("DeleteTable", name, e))?;
    wait_until_deleted(client, name).await?;
    create(client, definition, name).await?;
    let count = items.len();
    for chunk in items.chunks(BATCH) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item.clone()))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(|e| TableError::Definition(name.to_owned(), e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        while !requests.is_empty() {
            let output = client
                .batch_write_item()
                .request_items(name, requests)
                .send()
                .await
                .map_err(|e| api("BatchWriteItem", name, e))?;
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(name))
                .unwrap_or_default();
        }
    }
    Ok(count)
}
