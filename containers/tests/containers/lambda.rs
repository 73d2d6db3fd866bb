//! The same image on Lambda: given a Runtime API, `bootstrap` is the Lambda runtime
//! loop (PORT set in the image notwithstanding) and answers an API Gateway event.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::helpers::{Backend, free_port, podman, repository, start};

/// What the function posted back.
#[derive(Debug)]
struct Posted {
    path: String,
    body: String,
}

/// A Lambda Runtime API handing out `event` once (as request `req-1`), then holding
/// every `next` poll open; everything posted arrives on the channel.
async fn runtime_api(event: String) -> (String, mpsc::UnboundedReceiver<Posted>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr").to_string();
    let (posted, receiver) = mpsc::unbounded_channel();
    let (handed_out, _) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (posted, event, handed_out) = (posted.clone(), event.clone(), handed_out.clone());
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let (posted, event, handed_out) =
                    (posted.clone(), event.clone(), handed_out.clone());
                async move {
                    let path = request.uri().path().to_owned();
                    if path == "/2018-06-01/runtime/invocation/next" {
                        if handed_out.send_replace(true) {
                            std::future::pending::<()>().await;
                        }
                        let deadline = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.as_millis() + 30_000)
                            .unwrap_or_default();
                        let response = hyper::Response::builder()
                            .header("lambda-runtime-aws-request-id", "req-1")
                            .header("lambda-runtime-deadline-ms", deadline.to_string())
                            .header(
                                "lambda-runtime-invoked-function-arn",
                                "arn:aws:lambda:us-east-1:123456789012:function:rule",
                            )
                            .header(
                                "lambda-runtime-trace-id",
                                "Root=1-00000000-000000000000000000000000",
                            )
                            .body(Full::new(Bytes::from(event)))
                            .expect("response");
                        return Ok::<_, Infallible>(response);
                    }
                    let body = request
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let _ = posted.send(Posted {
                        path,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    Ok(hyper::Response::builder()
                        .status(202)
                        .body(Full::new(Bytes::from_static(b"{\"status\":\"OK\"}")))
                        .expect("response"))
                }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (address, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_is_a_lambda_runtime_where_lambda_provides_a_runtime_api() {
    let podman = podman();
    let backend = Backend::new().await;
    let event = std::fs::read_to_string(repository().join("events/rule-list-no-token.json"))
        .expect("the sample event");
    let (api, mut posted) = runtime_api(event).await;
    let port = free_port();
    let mut env = backend.environment("rule", port);
    for (name, value) in [
        ("AWS_LAMBDA_RUNTIME_API", api.as_str()),
        ("AWS_LAMBDA_FUNCTION_NAME", "rule"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ] {
        env.insert(name.into(), value.into());
    }
    let rule = start(&podman, "rule", env).await;
    let answer = tokio::time::timeout(Duration::from_secs(20), posted.recv())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no answer from the function:\n{}",
                futures::executor::block_on(rule.logs())
            )
        })
        .expect("an answer");
    assert_eq!(
        answer.path, "/2018-06-01/runtime/invocation/req-1/response",
        "{}",
        answer.body
    );
    let response: Value = serde_json::from_str(&answer.body).expect("a JSON response");
    assert_eq!(response["statusCode"], 401, "{response}");
    let body: Value =
        serde_json::from_str(response["body"].as_str().expect("a body")).expect("JSON body");
    assert_eq!(body["success"], false);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "under a Runtime API the function serves no HTTP of its own"
    );
    rule.remove(0).await;
}
