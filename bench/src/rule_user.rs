//! The signed-in bench user the `rule` measurements act as, and the two requests they
//! send: one the function answers from the token alone, one that reads the datastore.

use local::commands::CommandError;
use local::template::functions::FunctionSpec;
use serde_json::{Value, json};

use super::{Call, HttpClient};

/// The function among `functions` with a route for `path`.
pub(super) fn serving<'a>(functions: &'a [FunctionSpec], path: &str) -> Option<&'a FunctionSpec> {
    functions
        .iter()
        .find(|f| f.routes.iter().any(|r| r.path == path))
}

/// The template's user and rule functions (by the routes they serve), when both are
/// built; otherwise says that `measurement` is skipped.
pub(super) fn user_and_rule<'a>(
    functions: &'a [FunctionSpec],
    measurement: &str,
) -> Option<(&'a FunctionSpec, &'a FunctionSpec)> {
    let both = serving(functions, "/api/register").zip(serving(functions, "/api/rule"));
    if both.is_none() {
        println!("\n({measurement} skipped: the user and rule functions are not built)");
    }
    both
}

/// Logs in with `credentials` (a JSON body) through the platform at `base`; answers
/// the `Authorization` header value.
pub(super) async fn log_in(
    client: &HttpClient,
    base: &str,
    credentials: String,
) -> Result<String, CommandError> {
    let login = Call::post("/api/login/account", credentials)
        .expect(client, base)
        .await?;
    let token = serde_json::from_slice::<Value>(&login)
        .ok()
        .and_then(|v| v["token"].as_str().map(str::to_owned))
        .ok_or_else(|| CommandError::Message("the login answer has no token".into()))?;
    Ok(format!("Bearer {token}"))
}

/// Registers (unless an earlier measurement did) and logs in the bench user through the
/// platform at `base`, gives them ten more todos, and answers the `Authorization`
/// header value.
pub(super) async fn signed_in_user_with_todos(
    client: &HttpClient,
    base: &str,
) -> Result<String, CommandError> {
    let credentials = json!({"userName": "bencher", "password": "bench-password"}).to_string();
    let register = Call::post("/api/register", credentials.clone());
    match register.send(client, base).await? {
        (201 | 409, _) => {}
        (status, body) => {
            return Err(CommandError::Message(format!(
                "registering the bench user answered {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
    }
    let bearer = log_in(client, base, credentials).await?;
    for i in 0..10 {
        Call::post(
            "/api/rule",
            json!({"name": format!("todo {i}")}).to_string(),
        )
        .header("authorization", &bearer)
        .expecting(201)
        .expect(client, base)
        .await?;
    }
    Ok(bearer)
}

/// The two `rule` requests of the user with `bearer`, with their labels:
/// - `GET /api/rule/not-a-key`: the token is verified (Ed25519), its session checked
///   (one `GetItem`, alongside nothing else) and the route answered 404: the
///   function's own CPU work and one small read;
/// - `GET /api/rule?pageSize=10`: a page of ten todos, a DynamoDB `Query` against the
///   emulator: a typical request.
pub(super) fn rule_requests(bearer: &str) -> [(&'static str, Call); 2] {
    [
        (
            "rule, token and session check (404)",
            Call::get("/api/rule/not-a-key")
                .header("authorization", bearer)
                .expecting(404),
        ),
        (
            "rule, page of 10 todos",
            Call::get("/api/rule?current=1&pageSize=10").header("authorization", bearer),
        ),
    ]
}
