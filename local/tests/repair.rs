//! `local-platform repair-counts`: every user's counters are checked against their
//! todos, and drifted ones are rewritten.

use aws_sdk_dynamodb::types::AttributeValue;
use local::commands::repair::repair;
use shared::auth::session::AuthenticatedUser;
use shared::domain::NewRule;
use shared::http::body::JsonObject;
use shared::store::idempotency::Reservation;
use shared::store::state::counts::Counts;
use shared::store::{Datastore, RuleStore, SessionStore};

#[tokio::test]
async fn drifted_counts_are_found_and_rewritten_and_right_ones_left_alone() {
    let endpoint = shared_testing::datastore::emulator_endpoint();
    let table = shared_testing::datastore::unique_table_name("repair");
    let client = shared_testing::datastore::create_todo_table(endpoint, &table).await;
    let datastore = Datastore::from_client(client.clone(), &table);
    let (rules, sessions) = (
        RuleStore::new(datastore.clone()),
        SessionStore::new(datastore),
    );
    let mut users = Vec::new();
    for (name, todos) in [("ann", 3), ("bo", 5)] {
        let owner = AuthenticatedUser {
            id: ulid::Ulid::new().to_string(),
            name: name.to_owned(),
            session_id: ulid::Ulid::new().to_string(),
        };
        let expires = shared::time::now_epoch_seconds() + 600;
        sessions
            .open(&owner.id, &owner.session_id, expires)
            .await
            .expect("datastore")
            .expect("open");
        let mut body = JsonObject::default();
        body.0.insert("name".into(), "a todo".into());
        let new = NewRule::parse(&body).expect("valid");
        for _ in 0..todos {
            rules
                .create(&owner, &new, &Reservation::fresh())
                .await
                .expect("created");
        }
        users.push(owner);
    }
    assert_eq!(
        repair(&client, &table).await.expect("repaired"),
        (2, 0),
        "nothing drifted"
    );
    client
        .update_item()
        .table_name(&table)
        .key("pk", AttributeValue::S(format!("OWNER#{}", users[1].id)))
        .key("sk", AttributeValue::S("STATE".into()))
        .update_expression("SET #all = :wrong")
        .expression_attribute_names("#all", "cAll")
        .expression_attribute_values(":wrong", AttributeValue::N("42".into()))
        .send()
        .await
        .expect("drifted by hand");
    assert_eq!(repair(&client, &table).await.expect("repaired"), (2, 1));
    let state = rules
        .counts()
        .read(&users[1].id)
        .await
        .expect("read")
        .expect("state");
    assert_eq!(Counts::of(&state).map(|c| c.all), Some(5));
    assert_eq!(repair(&client, &table).await.expect("repaired"), (2, 0));
}
