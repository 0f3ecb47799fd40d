//! The binary as an office installs it: outside the checkout, with the
//! shipped form definitions inside it, and under the systemd unit we ship.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs `intake` in `folder` with none of the checkout's settings.
fn intake_in(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(args)
        .current_dir(folder)
        .env_remove("INTAKE_FORMS_DIR")
        .env_remove("INTAKE_DATA_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("INTAKE_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("the intake binary runs")
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_binary_works_outside_the_checkout() {
    let folder = tempfile::tempdir().expect("a scratch folder");
    let check = intake_in(folder.path(), &["form", "check"]);
    assert!(check.status.success(), "form check: {}", said(&check));
    assert!(said(&check).contains("postal_code"), "{}", said(&check));

    let migrate = intake_in(folder.path(), &["migrate"]);
    assert!(migrate.status.success(), "migrate: {}", said(&migrate));
    assert!(
        folder.path().join("data/intake.db").is_file(),
        "the database goes to data/ under the folder it runs in"
    );

    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/009-printed.png");
    let extract = intake_in(
        folder.path(),
        &["extract", "--json", sample.to_str().expect("a UTF-8 path")],
    );
    assert!(extract.status.success(), "extract: {}", said(&extract));
    assert!(
        said(&extract).contains("\"form\""),
        "a form is read with the built-in definitions: {}",
        said(&extract)
    );
}

/// A GET over plain HTTP/1.1: the status code and the body.
fn get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("the server takes connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[test]
fn intake_serve_works_outside_the_checkout() {
    let folder = tempfile::tempdir().expect("a scratch folder");
    let mut server = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(folder.path())
        .env_remove("INTAKE_FORMS_DIR")
        .env_remove("INTAKE_DATA_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("INTAKE_CONFIG")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the intake binary runs");
    // It says where it listens once it does (port 0: a free one).
    let mut said = String::new();
    let mut lines = BufReader::new(server.stdout.take().expect("its output")).lines();
    let address = lines.by_ref().map_while(Result::ok).find_map(|line| {
        said.push_str(&line);
        let address = line.strip_prefix("intake: the public form is at http://")?;
        Some(address.trim_end_matches('/').to_string())
    });
    let Some(address) = address else {
        let _ = server.kill();
        let _ = server.wait();
        panic!("serve never listened: {said}");
    };

    let (status, form) = get(&address, "/");
    let (health, ok) = get(&address, "/healthz");
    let stylesheet = form
        .split('"')
        .find(|part| part.starts_with("/static/") && part.ends_with(".css"))
        .map(|path| get(&address, path).0);
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    let exit = server.wait().expect("serve stops");

    assert_eq!(status, 200, "the public form: {form}");
    assert!(
        form.contains("<form") && form.contains("postal_code"),
        "the form from the built-in definition and templates: {form}"
    );
    assert_eq!(stylesheet, Some(200), "the built-in stylesheet is served");
    assert!(
        health == 200 && ok.contains("\r\n\r\nok\n"),
        "healthz: {ok}"
    );
    assert!(stopped.success() && exit.success(), "stops cleanly: {exit}");
    assert!(
        folder.path().join("data/intake.db").is_file(),
        "its data goes to data/ under the folder it runs in"
    );
}

#[test]
fn a_forms_folder_overrides_the_shipped_definitions() {
    let folder = tempfile::tempdir().expect("a scratch folder");
    let output = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(["form", "check"])
        .current_dir(folder.path())
        .env("INTAKE_FORMS_DIR", folder.path().join("no-such-folder"))
        .output()
        .expect("the intake binary runs");
    assert!(
        !output.status.success() && said(&output).contains("no-such-folder"),
        "INTAKE_FORMS_DIR is used, and a missing one is named: {}",
        said(&output)
    );
}

#[test]
fn the_systemd_unit_verifies() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        assert!(
            std::env::var("INTAKE_REQUIRE_SYSTEMD").is_err(),
            "systemd-analyze is missing and INTAKE_REQUIRE_SYSTEMD is set"
        );
        println!("SKIPPING the systemd unit check: systemd-analyze is not installed");
        return;
    };
    assert!(version.status.success());
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/systemd/intake.service"),
    )
    .expect("the unit is in the checkout");
    for setting in [
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "DynamicUser=yes",
        "User=intake",
        "StateDirectory=intake",
    ] {
        assert!(unit.contains(setting), "the unit sets {setting}");
    }
    // verify wants the program to exist: point it at the one just built.
    let folder = tempfile::tempdir().expect("a scratch folder");
    let here = unit.replace("/usr/local/bin/intake", env!("CARGO_BIN_EXE_intake"));
    let path = folder.path().join("intake.service");
    std::fs::write(&path, here).expect("writes");
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        said(&verify)
    );
}
