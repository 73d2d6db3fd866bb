//! `manifests`: writes the Knative and Kubernetes manifests of `containers/manifests/`
//! from `template.yml` (`make manifests`), or with `--check` fails when the committed
//! files differ from what the template generates.

use std::path::PathBuf;
use std::process::ExitCode;

use containers::files::{DIR, drift, generate, write};
use local::template::Template;

fn main() -> ExitCode {
    let mut check = false;
    let mut root = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => match args.next() {
                Some(dir) => root = PathBuf::from(dir),
                None => return usage("--root needs a folder"),
            },
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    let files = match Template::load(root.join("template.yml"))
        .map_err(|e| e.to_string())
        .and_then(|t| generate(&t).map_err(|e| e.to_string()))
    {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let drifted = drift(&root, &files);
        if drifted.is_empty() {
            println!("{DIR}: {} files match template.yml", files.len());
            return ExitCode::SUCCESS;
        }
        for path in &drifted {
            eprintln!(
                "{DIR}/{}: differs from what template.yml generates",
                path.display()
            );
        }
        eprintln!("run `make manifests` and commit the result");
        return ExitCode::FAILURE;
    }
    if let Err(e) = write(&root, &files) {
        eprintln!("error: writing {DIR}: {e}");
        return ExitCode::FAILURE;
    }
    for f in &files {
        println!("wrote {DIR}/{}", f.path.display());
    }
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\nusage: manifests [--check] [--root REPOSITORY]");
    ExitCode::from(2)
}
