//! The binary as an office installs it: outside the checkout, with the
//! shipped form definitions inside it, and under the systemd unit we ship.

use std::path::Path;
use std::process::{Command, Output};

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
