//! FaaS vs container, cold start: from nothing to the first answer of each function,
//!
//! - the Lambda model: a platform with no instance gets a request, spawns an instance,
//!   waits for its initializer (its first `next`) and hands it the request;
//! - a container: `podman run` of the function's image (`make image`), the same
//!   binary serving HTTP itself once its initializer is done, polled every 2 ms.
//!
//! Both reach the same emulator with the same environment; the request is the
//! function's first route without a token (answered without the datastore, but only
//! after the initializer). The two alternate within every round; medians.

use std::path::Path;
use std::time::{Duration, Instant};

use containers::podman::{Podman, RunOptions, image_name};
use local::commands::CommandError;
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;

use super::{BenchOptions, Gateway, HttpClient, median, template_function};

/// The tag of the images measured: what `make image` builds.
const TAG: &str = "latest";
/// How long a container may take to answer its first request.
const START_LIMIT: Duration = Duration::from_secs(30);

/// Prints, per function, the medians of both cold starts and their ratio.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    functions: &[FunctionSpec],
    client: &HttpClient,
) -> Result<(), CommandError> {
    let repository = options
        .template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let podman = match Podman::new(repository) {
        Ok(podman) => podman,
        Err(e) => {
            println!("\n(container start skipped: {e})");
            return Ok(());
        }
    };
    println!(
        "\n== FaaS vs container: cold start to first answer, {} rounds, medians ==",
        options.runs
    );
    for spec in functions {
        let image = image_name(&spec.name, TAG);
        if !podman.image_exists(&image).await {
            println!(
                "  ({}: no image {image}; `make image` builds it)",
                spec.name
            );
            continue;
        }
        let call = template_function(spec.clone()).call;
        let (mut faas, mut container, mut podman_run) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..options.runs {
            for step in 0..2 {
                if (round + step) % 2 == 0 {
                    let gateway =
                        Gateway::start(vec![spec.clone()], bin_dir, PoolSettings::default())
                            .await?;
                    let started = Instant::now();
                    let answered = call.send(client, &gateway.base).await;
                    faas.push(started.elapsed().as_secs_f64() * 1000.0);
                    gateway.stop().await;
                    answered?;
                } else {
                    let (total, run) =
                        container_start(&podman, spec, &image, &call, client).await?;
                    container.push(total);
                    podman_run.push(run);
                }
            }
        }
        let (faas, container) = (median(faas), median(container));
        println!(
            "  {:<8} Lambda model {:>7.1} ms | podman container {:>7.1} ms (podman run itself {:.1} ms) | container / FaaS {:.1}x",
            spec.name,
            faas,
            container,
            median(podman_run),
            container / faas
        );
    }
    Ok(())
}

/// Starts `image` with `spec`'s environment and polls until `call` is answered;
/// answers the milliseconds to the first answer and those `podman run` took.
async fn container_start(
    podman: &Podman,
    spec: &FunctionSpec,
    image: &str,
    call: &super::Call,
    client: &HttpClient,
) -> Result<(f64, f64), CommandError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(CommandError::io("finding a free port"))?
        .port();
    let mut env = spec.environment.clone();
    for (name, value) in [
        (
            "AWS_REGION",
            local::datastore::dynamo::LOCAL_REGION.to_owned(),
        ),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", port.to_string()),
    ] {
        env.insert(name.to_owned(), value);
    }
    let options = RunOptions {
        image: image.to_owned(),
        name: format!(
            "todo-bench-{}-{}",
            spec.name,
            ulid::Ulid::new().to_string().to_lowercase()
        ),
        env,
        host_network: true,
        args: Vec::new(),
    };
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let container = podman
        .run(&options)
        .await
        .map_err(|e| CommandError::Message(e.to_string()))?;
    let run = started.elapsed().as_secs_f64() * 1000.0;
    let answered = loop {
        if call.send(client, &base).await.is_ok() {
            break Ok(started.elapsed().as_secs_f64() * 1000.0);
        }
        if started.elapsed() > START_LIMIT {
            break Err(CommandError::Message(format!(
                "{image} did not answer within {START_LIMIT:?}:\n{}",
                container.logs().await
            )));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    container.remove(0).await;
    Ok((answered?, run))
}
