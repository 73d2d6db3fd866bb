//! Time to live on the emulator: the template's tables get it, and expired items
//! really go (the server's sweep), as on DynamoDB.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use local_datastore::dynamo::local_client;
use local_datastore::server::{EmbeddedServer, TTL_SWEEP_INTERVAL};
use local_datastore::tables::{Outcome, ensure_table};
use local_datastore::template::{TableDefinition, Template};

fn todo_table() -> TableDefinition {
    Template::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yml"))
        .expect("template.yml parses")
        .tables()
        .expect("its tables parse")
        .into_iter()
        .find(|t| t.logical_id == "TodoTable")
        .expect("template.yml declares TodoTable")
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn item(sk: &str, ttl_attribute: &str, expires_at: u64) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), s("SESSION#u")),
        ("sk".to_owned(), s(sk)),
        (
            ttl_attribute.to_owned(),
            AttributeValue::N(expires_at.to_string()),
        ),
    ])
}

#[tokio::test]
async fn an_expired_item_disappears_and_a_live_one_stays() {
    let server = EmbeddedServer::start(None).expect("the emulator starts");
    let client = local_client(server.endpoint());
    let definition = todo_table();
    let attribute = definition
        .ttl_attribute
        .clone()
        .expect("the template gives TodoTable a time to live");
    assert_eq!(
        ensure_table(&client, &definition, "ttl")
            .await
            .expect("created"),
        Outcome::Created
    );

    let described = client
        .describe_time_to_live()
        .table_name("ttl")
        .send()
        .await
        .expect("DescribeTimeToLive answers");
    let ttl = described
        .time_to_live_description()
        .expect("a time-to-live description");
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    assert_eq!(ttl.attribute_name(), Some(attribute.as_str()));

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    for (sk, expires_at) in [("expired", now - 60), ("live", now + 3600)] {
        client
            .put_item()
            .table_name("ttl")
            .set_item(Some(item(sk, &attribute, expires_at)))
            .send()
            .await
            .expect("put");
    }
    let get = |sk: &'static str| {
        client
            .get_item()
            .table_name("ttl")
            .key("pk", s("SESSION#u"))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
    };

    let deadline = tokio::time::Instant::now() + TTL_SWEEP_INTERVAL * 5;
    while get("expired").await.expect("get").item.is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expired item is still there after {:?}",
            TTL_SWEEP_INTERVAL * 5
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        get("live").await.expect("get").item.is_some(),
        "an item that has not expired stays"
    );
    assert_eq!(
        ensure_table(&client, &definition, "ttl")
            .await
            .expect("checked"),
        Outcome::Existed,
        "time to live, already on, is left as it is"
    );
}
