//! Reads under load against the real platform and functions: a new user's first page,
//! listed by 100 clients at once for 10 s, is always the whole page with the right
//! total: keeping the counts behind `total` must never make a read fail or come back
//! short.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::project::{Session, start_project};
use local::runtime::pool::PoolSettings;
use serde_json::json;

/// Todos the user has, clients listing at once, and for how long.
const TODOS: usize = 25;
const CLIENTS: usize = 100;
const LOAD: Duration = Duration::from_secs(10);
/// Longest wait for one answer: more than the function timeout (10 s).
const REQUEST_LIMIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_clients_listing_a_new_users_first_page_always_get_the_whole_page() {
    let project = start_project(PoolSettings::default(), |_| {}).await;
    let owner = Session::sign_up(&project.running, "lister").await;
    for n in 0..TODOS {
        let body = json!({"name": format!("todo {n}"), "status": n % 4}).to_string();
        let created = owner
            .call(
                "POST",
                "/api/rule",
                &body,
                Some(&format!("create-{n}")),
                REQUEST_LIMIT,
            )
            .await
            .expect("an answer");
        assert_eq!(created.status, 201, "todo {n}: {:?}", created.body);
    }

    // Every client has its own connections and the owner's token, as 100 browser tabs.
    let until = Instant::now() + LOAD;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let session = Session::with_token(&project.running, &owner.token);
        clients.spawn(async move {
            let (mut answers, mut wrong) = (0usize, Vec::new());
            while Instant::now() < until {
                let answer = session
                    .call(
                        "GET",
                        "/api/rule?current=1&pageSize=10",
                        "",
                        None,
                        REQUEST_LIMIT,
                    )
                    .await;
                answers += 1;
                let problem = match answer {
                    Err(lost) => Some(lost),
                    Ok(answer) if answer.status != 200 => Some(format!(
                        "{} {}",
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    )),
                    Ok(answer) => {
                        let page = answer.json();
                        let listed = page["data"].as_array().map_or(0, Vec::len);
                        (page["total"] != TODOS || listed != 10)
                            .then(|| format!("total {}, {listed} listed", page["total"]))
                    }
                };
                wrong.extend(problem);
            }
            (answers, wrong)
        });
    }
    // What went wrong, and how often.
    let (mut answers, mut wrong) = (0, BTreeMap::<String, usize>::new());
    for (client_answers, client_wrong) in clients.join_all().await {
        answers += client_answers;
        for problem in client_wrong {
            *wrong.entry(problem).or_default() += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {answers} lists were not the whole first page (total {TODOS}, 10 todos): {wrong:#?}",
        wrong.values().sum::<usize>()
    );
    assert!(answers >= CLIENTS, "every client listed: {answers}");
    eprintln!(
        "{answers} lists by {CLIENTS} clients in {LOAD:?}, every one the whole first page \
         ({:.0}/s)",
        answers as f64 / LOAD.as_secs_f64()
    );
    project.stop().await;
}
