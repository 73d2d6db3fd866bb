//! Tables from `template.yml` on the emulator, including one kept from an earlier
//! run that predates an index the template now declares: the index is added in
//! place and filled from the items already there.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use local::datastore::tables::{Outcome, ensure_table};

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

#[tokio::test]
async fn a_table_without_a_declared_index_gets_it_with_its_items_indexed() {
    let todo_table = shared_testing::datastore::todo_table();
    assert!(
        !todo_table.global_indexes.is_empty(),
        "the template declares an index"
    );
    let endpoint = shared_testing::datastore::emulator_endpoint();
    let client = local::datastore::dynamo::local_client(endpoint);
    let name = shared_testing::datastore::unique_table_name("add-index");
    // A table without the index the template declares.
    let mut older = todo_table.clone();
    older.global_indexes.clear();
    older
        .attributes
        .retain(|(attribute, _)| attribute == "pk" || attribute == "sk");
    assert_eq!(
        ensure_table(&client, &older, &name).await.expect("created"),
        Outcome::Created
    );
    for i in 0..30 {
        let item = HashMap::from([
            ("pk".to_owned(), s("OWNER#u")),
            ("sk".to_owned(), s(&format!("RULE#{i:03}"))),
            ("statusKey".to_owned(), s("OWNER#u#S1")),
        ]);
        client
            .put_item()
            .table_name(&name)
            .set_item(Some(item))
            .send()
            .await
            .expect("put");
    }
    assert_eq!(
        ensure_table(&client, &todo_table, &name)
            .await
            .expect("index added"),
        Outcome::IndexesAdded(todo_table.global_indexes.len())
    );
    let by_status = client
        .query()
        .table_name(&name)
        .index_name("ByStatus")
        .key_condition_expression("statusKey = :key")
        .expression_attribute_values(":key", s("OWNER#u#S1"))
        .send()
        .await
        .expect("the index answers");
    assert_eq!(by_status.count, 30, "every item kept, and indexed");
    assert_eq!(
        ensure_table(&client, &todo_table, &name)
            .await
            .expect("checked"),
        Outcome::Existed
    );
}
