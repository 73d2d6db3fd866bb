//! `dynamodb-emulator`: the DynamoDB API on loopback for `make dev` and the platform's
//! tests, a process of its own; the options and what it prints are
//! [`local_datastore::server::command`]'s.

use std::process::ExitCode;

use local_datastore::server::command::{Options, USAGE, run};

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("dynamodb-emulator: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dynamodb-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}
