//! The gateway's HTTP edge answers what container mode answers, byte for byte in
//! shape: bad HTTP, slow clients and dot segments get the contract's errors.

mod common;

use std::time::Duration;

use local::platform::{Platform, PlatformConfig};
use shared::edge::Timeouts;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_answers_bad_http_slow_clients_and_dot_segments_in_the_contract_shape() {
    let config = PlatformConfig::new(vec![common::test_spec(10)], common::test_function_dir());
    let platform = Platform::start(config).await.expect("platform starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    let timeouts = Timeouts {
        read: Duration::from_secs(1),
        ..Timeouts::default()
    };
    let options = local::server::ServerOptions {
        timeouts,
        ..Default::default()
    };
    let server = local::server::serve(&platform, listener, options).expect("valid routes");
    shared_testing::edge::assert_hardened_edge(address, timeouts.read).await;
    platform.shutdown().await;
    server.abort();
}
