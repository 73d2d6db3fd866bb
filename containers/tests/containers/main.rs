//! The functions' container images, built and run for real with podman: the API
//! through the gateway's routes, readiness, SIGTERM, the Lambda runtime inside the
//! same image, and the generated Deployment under `podman kube play`.
//!
//! The images are built once per run (`containers/build-images.sh --profile dev
//! --tag test`: static musl binaries, unoptimised to keep the build short), and
//! podman is installed first where it is missing. The containers share the host's
//! network, so they reach the DynamoDB emulator on loopback, each on a port of its own.

mod helpers;
mod images;
mod kube_play;
mod lambda;
