//! Lambda's Invoke API on the gateway's port, end to end with the real test function:
//! events go to the function as they are, results come back as the function wrote them,
//! and the API's own errors are in the shape the AWS SDKs read.

mod common;

use common::*;
use local::runtime::pool::PoolSettings;

/// The payload 2.0 event of a `GET` of `path`, as the gateway would make it.
fn event_for(path: &str) -> bytes::Bytes {
    let routes = local::server::routes::RouteTable::new(&[test_spec(4)]).expect("valid routes");
    local::server::event::local_event("GET", path, &[], b"", &routes, "invoke-api-test")
        .expect("event")
        .into()
}

fn invocations(running: &Running, function: &str) -> String {
    running.url(&format!("/2015-03-31/functions/{function}/invocations"))
}

async fn invoke(
    running: &Running,
    function: &str,
    headers: &[(&str, &str)],
    payload: impl Into<bytes::Bytes>,
) -> Answer {
    send(
        &client(),
        "POST",
        &invocations(running, function),
        headers,
        payload,
    )
    .await
}

async fn running() -> Running {
    start(vec![test_spec(4)], PoolSettings::default()).await
}

fn invocations_so_far(running: &Running) -> u64 {
    running
        .platform
        .pool("probe")
        .expect("pool")
        .status()
        .instances
        .iter()
        .map(|i| i.invocations)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_hands_the_event_over_as_is_and_answers_the_raw_result() {
    let running = running().await;
    let answer = invoke(&running, "probe", &[], event_for("/echo?a=1")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.headers["x-amz-executed-version"], "$LATEST");
    assert!(answer.headers.contains_key("x-amzn-requestid"));
    assert!(!answer.headers.contains_key("x-amz-function-error"));
    // The function's own answer: a payload 2.0 response, not converted to HTTP.
    let result = answer.json();
    assert_eq!(result["statusCode"], 201, "{result}");
    let echoed: serde_json::Value =
        serde_json::from_str(result["body"].as_str().expect("body")).expect("json body");
    assert_eq!(echoed["path"], "/echo");
    assert_eq!(echoed["query"]["a"], serde_json::json!(["1"]));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_are_found_by_name_function_name_or_arn_and_only_at_latest() {
    let running = running().await;
    for name in [
        "probe",
        "local-probe",
        "probe:$LATEST",
        "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Alocal-probe",
        "123456789012:function:probe",
    ] {
        let answer = invoke(&running, name, &[], event_for("/ping")).await;
        assert_eq!(answer.status, 200, "{name}: {:?}", answer.body);
    }
    for name in ["nobody", "probe:7", "a:b:c"] {
        let answer = invoke(&running, name, &[], event_for("/ping")).await;
        assert_eq!(answer.status, 404, "{name}");
        assert_eq!(
            answer.headers["x-amzn-errortype"],
            "ResourceNotFoundException"
        );
        assert!(
            answer.json()["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Function not found")),
            "{name}"
        );
    }
    let qualified = send(
        &client(),
        "POST",
        &format!("{}?Qualifier=prod", invocations(&running, "probe")),
        &[],
        event_for("/ping"),
    )
    .await;
    assert_eq!(qualified.status, 404);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_function_answers_200_with_the_function_error_header() {
    let running = running().await;
    let answer = invoke(&running, "probe", &[], event_for("/error")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["x-amz-function-error"], "Unhandled");
    let report = answer.json();
    assert!(
        report["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("asked to fail")),
        "{report}"
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_run_later_and_log_failures_and_dry_runs_never_run() {
    let running = running().await;
    let dry = invoke(
        &running,
        "probe",
        &[("x-amz-invocation-type", "DryRun")],
        event_for("/ping"),
    )
    .await;
    assert_eq!(dry.status, 204);
    assert_eq!(invocations_so_far(&running), 0);
    let queued = invoke(
        &running,
        "probe",
        &[("x-amz-invocation-type", "Event")],
        event_for("/slow?ms=200"),
    )
    .await;
    assert_eq!(queued.status, 202);
    assert!(queued.body.is_empty());
    assert!(
        eventually(std::time::Duration::from_secs(10), || invocations_so_far(
            &running
        ) == 1)
        .await,
        "the queued invocation ran"
    );
    let failing = invoke(
        &running,
        "probe",
        &[("x-amz-invocation-type", "Event")],
        event_for("/error"),
    )
    .await;
    assert_eq!(failing.status, 202);
    let logged =
        || {
            running.platform.logs().recent().iter().any(|line| {
                line.contains("ERROR Event invocation") && line.contains("asked to fail")
            })
        };
    assert!(
        eventually(std::time::Duration::from_secs(10), logged).await,
        "the failed event invocation is in the log: {:?}",
        running.platform.logs().recent()
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_invocations_get_the_error_types_the_sdks_read() {
    let running = running().await;
    let not_json = invoke(&running, "probe", &[], "{nope").await;
    assert_eq!(not_json.status, 400);
    assert_eq!(
        not_json.headers["x-amzn-errortype"],
        "InvalidRequestContentException"
    );
    assert_eq!(not_json.json()["Type"], "User");
    let odd_type = invoke(
        &running,
        "probe",
        &[("x-amz-invocation-type", "Later")],
        "{}",
    )
    .await;
    assert_eq!(odd_type.status, 400);
    assert_eq!(
        odd_type.headers["x-amzn-errortype"],
        "InvalidParameterValueException"
    );
    let too_big = invoke(
        &running,
        "probe",
        &[("x-amz-invocation-type", "Event")],
        format!("\"{}\"", "x".repeat(1024 * 1024)),
    )
    .await;
    assert_eq!(too_big.status, 413);
    assert_eq!(
        too_big.headers["x-amzn-errortype"],
        "RequestTooLargeException"
    );
    let wrong_method = send(
        &client(),
        "GET",
        &invocations(&running, "probe"),
        &[],
        bytes::Bytes::new(),
    )
    .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.headers["allow"], "POST");
    let other = get(&running.url("/2015-03-31/functions/probe/configuration")).await;
    assert_eq!(other.status, 404);
    assert_eq!(
        other.headers["x-amzn-errortype"],
        "UnknownOperationException"
    );
    assert_eq!(
        invocations_so_far(&running),
        0,
        "nothing bad reached the function"
    );
    running.stop().await;
}
