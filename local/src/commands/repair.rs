//! `local-platform repair-counts`: recounts every user's todos in the local table and
//! says whose counters had drifted.
//!
//! Lists repair a user's counts by themselves when they find them missing, marked
//! suspect, or behind a journal entry that can no longer settle (see
//! `shared::store::state::counts`); this command checks everyone at once, for
//! counters changed by hand or by a bug.

use std::collections::BTreeSet;
use std::path::PathBuf;

use shared::store::state::counts::Counts;
use shared::store::{CountStore, Datastore as Table};

use super::CommandError;
use super::project::{Datastore, table_name};
use crate::datastore::dynamo::local_client;
use crate::template::Template;

/// Options of `repair-counts`.
#[derive(Debug, Clone)]
pub struct RepairOptions {
    /// The SAM template.
    pub template: PathBuf,
    /// Where the emulator's data lives.
    pub data_dir: PathBuf,
}

/// Recounts every user of the todo table and prints the users whose counts changed.
pub async fn run(options: RepairOptions) -> Result<(), CommandError> {
    let template = Template::load(&options.template)?;
    let datastore = Datastore::reuse_or_start(&options.data_dir).await?;
    datastore.create_tables(&template).await?;
    let definition = template
        .tables()?
        .into_iter()
        .find(|t| t.logical_id == "TodoTable")
        .ok_or_else(|| CommandError::Message("template.yml has no TodoTable".into()))?;
    let table = table_name(&definition);
    let client = local_client(&datastore.endpoint);
    let result = repair(&client, &table).await;
    datastore.stop(Some(&options.data_dir)).await;
    let (users, drifted) = result?;
    println!("recounted {users} users; {drifted} had counts that differed from their todos");
    Ok(())
}

/// Recounts every owner in `table`; answers how many there were and how many drifted.
pub async fn repair(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<(usize, usize), CommandError> {
    let failed = |e: shared::store::StoreError| CommandError::Message(e.to_string());
    let mut owners = BTreeSet::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .projection_expression("pk")
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| {
                CommandError::Message(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
            })?;
        for item in page.items() {
            if let Some(owner) = item
                .get("pk")
                .and_then(|v| v.as_s().ok())
                .and_then(|pk| pk.strip_prefix("OWNER#"))
            {
                owners.insert(owner.to_owned());
            }
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    let counts = CountStore::new(Table::from_client(client.clone(), table));
    let mut drifted = 0;
    for owner in &owners {
        let before = counts
            .read(owner)
            .await
            .map_err(failed)?
            .as_ref()
            .and_then(Counts::of);
        let after = counts.recount(owner).await.map_err(failed)?;
        // Counts never made yet (no list since the user's first todo) are not drift.
        if before.is_some_and(|before| before != after) {
            drifted += 1;
            println!("  {owner}: {before:?} -> {after:?}");
        }
    }
    Ok((owners.len(), drifted))
}
