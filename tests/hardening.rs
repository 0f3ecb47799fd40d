//! The server against the open internet, and what an operator watches:
//! limits that count the right client, slow and stuck clients and handlers,
//! panics, security headers, and `/healthz`, `/readyz`, `/metrics`. Every
//! case on SQLite and on PostgreSQL.

mod common;

use std::time::Duration;

use axum::routing::get;
use common::{Backend, Case, TestApp, borrowed, reference, status_path, valid_fields};
use libtest_mimic::Failed;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() {
    let cases: &[(&str, Case)] = &[
        ("ipv4_clients_on_all_interfaces_count_apart", |b| {
            Box::pin(ipv4_clients_on_all_interfaces_count_apart(b))
        }),
        ("forwarded_for_counts_only_from_a_trusted_proxy", |b| {
            Box::pin(forwarded_for_counts_only_from_a_trusted_proxy(b))
        }),
        ("an_ipv6_site_counts_as_one_48", |b| {
            Box::pin(an_ipv6_site_counts_as_one_48(b))
        }),
        ("a_replayed_form_makes_no_new_status_link", |b| {
            Box::pin(a_replayed_form_makes_no_new_status_link(b))
        }),
        ("a_slow_client_is_cut_off_by_the_header_timeout", |b| {
            Box::pin(a_slow_client_is_cut_off_by_the_header_timeout(b))
        }),
        ("a_panicking_handler_gives_a_500_page", |b| {
            Box::pin(a_panicking_handler_gives_a_500_page(b))
        }),
        ("a_stuck_handler_is_answered_by_the_timeout", |b| {
            Box::pin(a_stuck_handler_is_answered_by_the_timeout(b))
        }),
        ("requests_over_the_cap_are_refused", |b| {
            Box::pin(requests_over_the_cap_are_refused(b))
        }),
        ("every_response_has_the_security_headers", |b| {
            Box::pin(every_response_has_the_security_headers(b))
        }),
        (
            "stopping_lets_requests_finish_then_cuts_at_the_deadline",
            |b| Box::pin(stopping_lets_requests_finish_then_cuts_at_the_deadline(b)),
        ),
        ("a_stopping_worker_hands_its_job_back", |b| {
            Box::pin(a_stopping_worker_hands_its_job_back(b))
        }),
        (
            "a_worker_stopped_mid_file_hands_the_file_back_at_once",
            |b| Box::pin(a_worker_stopped_mid_file_hands_the_file_back_at_once(b)),
        ),
        ("health_and_readiness", |b| {
            Box::pin(health_and_readiness(b))
        }),
        ("metrics_count_and_need_loopback_or_the_token", |b| {
            Box::pin(metrics_count_and_need_loopback_or_the_token(b))
        }),
        ("metrics_show_the_pages_another_process_read", |b| {
            Box::pin(metrics_show_the_pages_another_process_read(b))
        }),
        (
            "a_sign_in_finding_every_password_check_taken_is_told_busy",
            |b| Box::pin(a_sign_in_finding_every_password_check_taken_is_told_busy(b)),
        ),
    ];
    common::run_on_both_backends(cases)
}

const PROXY: &str = "127.0.0.0/8";

/// Bounds a step that should end by itself (a failure, not a race).
const GUARD: Duration = Duration::from_secs(30);

async fn submit(app: &TestApp, client: &reqwest::Client, forwarded: Option<&str>) -> StatusCode {
    let fields = valid_fields(&app.form_token("en").await);
    let mut request = client
        .post(format!("{}/en", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(borrowed(&fields)).unwrap());
    if let Some(address) = forwarded {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.expect("the server answers").status()
}

async fn ipv4_clients_on_all_interfaces_count_apart(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_custom(
        &backend,
        "[::]:0",
        |c| c.limits.per_ip_hour = 2,
        axum::Router::new(),
    )
    .await;
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let (first, second) = (from("127.0.0.1"), from("127.0.0.2"));
    for i in 0..2 {
        let status = submit(&app, &first, None).await;
        ensure!(status == StatusCode::OK, "first client, {i}: {status}");
    }
    let status = submit(&app, &first, None).await;
    ensure!(
        status == StatusCode::TOO_MANY_REQUESTS,
        "the first client is over its limit: {status}"
    );
    // Seen on `[::]` as ::ffff:127.0.0.2: its own address, its own count.
    let status = submit(&app, &second, None).await;
    ensure!(status == StatusCode::OK, "the second client: {status}");
    app.finish().await;
    Ok(())
}

async fn forwarded_for_counts_only_from_a_trusted_proxy(backend: Backend) -> Result<(), Failed> {
    // The proxy is elsewhere: what loopback says about its clients is
    // not believed, and every request counts against loopback.
    let app = TestApp::spawn_with(&backend, |c| {
        c.limits.per_ip_hour = 2;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    for (i, address) in ["192.0.2.1", "192.0.2.2"].into_iter().enumerate() {
        let status = submit(&app, &app.client, Some(address)).await;
        ensure!(status == StatusCode::OK, "{i}: {status}");
    }
    let status = submit(&app, &app.client, Some("192.0.2.3")).await;
    ensure!(
        status == StatusCode::TOO_MANY_REQUESTS,
        "a made-up X-Forwarded-For does not escape the limit: {status}"
    );
    app.finish().await;

    // Behind a trusted proxy, only the hop it appended counts: a client
    // cannot pick its address by sending its own X-Forwarded-For.
    let app = TestApp::spawn_with(&backend, |c| {
        c.limits.per_ip_hour = 2;
        c.trusted_proxies = vec![PROXY.parse().unwrap()];
    })
    .await;
    for (i, chain) in ["1.1.1.1, 192.0.2.7", "2.2.2.2, 192.0.2.7"]
        .into_iter()
        .enumerate()
    {
        let status = submit(&app, &app.client, Some(chain)).await;
        ensure!(status == StatusCode::OK, "{i}: {status}");
    }
    let status = submit(&app, &app.client, Some("3.3.3.3, 192.0.2.7")).await;
    ensure!(
        status == StatusCode::TOO_MANY_REQUESTS,
        "the same appended hop is the same client: {status}"
    );
    let status = submit(&app, &app.client, Some("192.0.2.7, 192.0.2.8")).await;
    ensure!(status == StatusCode::OK, "another client: {status}");
    app.finish().await;
    Ok(())
}

async fn an_ipv6_site_counts_as_one_48(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| {
        c.limits.per_network_hour = 3;
        c.trusted_proxies = vec![PROXY.parse().unwrap()];
    })
    .await;
    for subnet in 1..=3 {
        let address = format!("2001:db8:1:{subnet}::1");
        let status = submit(&app, &app.client, Some(&address)).await;
        ensure!(status == StatusCode::OK, "{address}: {status}");
    }
    let status = submit(&app, &app.client, Some("2001:db8:1:4::1")).await;
    ensure!(
        status == StatusCode::TOO_MANY_REQUESTS,
        "a fourth /64 of the same /48: {status}"
    );
    let status = submit(&app, &app.client, Some("2001:db8:2:1::1")).await;
    ensure!(status == StatusCode::OK, "another /48: {status}");
    app.finish().await;
    Ok(())
}

async fn status_links(app: &TestApp) -> Result<i64, Failed> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.config.database_url).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM status_links")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok(count)
}

async fn a_replayed_form_makes_no_new_status_link(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let fields = valid_fields(&app.form_token("fi").await);
    let (status, first) = app.post("/fi", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "first: {status}");
    let link = status_path(&first).ok_or("no status link")?;
    for i in 0..3 {
        let (status, again) = app.post("/fi", &borrowed(&fields)).await;
        ensure!(status == StatusCode::OK, "again {i}: {status}");
        ensure!(
            reference(&again) == reference(&first),
            "again {i}: the same reference"
        );
        ensure!(
            status_path(&again).as_deref() == Some(link.as_str()),
            "again {i}: the same status link"
        );
    }
    ensure!(status_links(&app).await? == 1, "one status link stored");
    let (status, page) = app.get(&link).await;
    ensure!(
        status == StatusCode::OK && page.contains(&reference(&first).unwrap_or_default()),
        "the link works: {status}"
    );
    // A new form is a new registration with a link of its own.
    let fields = valid_fields(&app.form_token("fi").await);
    let (_, other) = app.post("/fi", &borrowed(&fields)).await;
    ensure!(
        status_path(&other).is_some_and(|p| p != link),
        "another form, another link"
    );
    app.finish().await;
    Ok(())
}

async fn a_slow_client_is_cut_off_by_the_header_timeout(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| c.http.header_read_seconds = 1).await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&address).await?;
    // Half a request's headers, and then nothing.
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await?;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(GUARD, slow.read_to_end(&mut rest)).await;
    ensure!(
        matches!(closed, Ok(Ok(_))),
        "the server closes the connection: {closed:?}"
    );
    ensure!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "no answer to half a request"
    );
    // A client that sends its headers in time is served.
    let (status, _) = app.get("/healthz").await;
    ensure!(status == StatusCode::OK, "a prompt client: {status}");
    app.finish().await;
    Ok(())
}

async fn a_panicking_handler_gives_a_500_page(backend: Backend) -> Result<(), Failed> {
    let routes = axum::Router::new().route(
        "/test/panic",
        get(|| async {
            panic!("a bug in a handler");
            #[allow(unreachable_code)]
            ""
        }),
    );
    let app = TestApp::spawn_custom(&backend, "127.0.0.1:0", |_| {}, routes).await;
    let response = app
        .client
        .get(format!("{}/test/panic", app.base))
        .send()
        .await?;
    ensure!(
        response.status() == StatusCode::INTERNAL_SERVER_ERROR,
        "status {}",
        response.status()
    );
    ensure!(
        response
            .headers()
            .get("x-content-type-options")
            .is_some_and(|v| v == "nosniff"),
        "the 500 page has the security headers"
    );
    let page = response.text().await?;
    for words in [
        "Något gick fel",
        "Jotain meni vikaan",
        "Something went wrong",
    ] {
        ensure!(page.contains(words), "the page says {words:?}");
    }
    ensure!(
        !page.contains("a bug in a handler"),
        "no panic message shown"
    );
    let (status, _) = app.get("/healthz").await;
    ensure!(status == StatusCode::OK, "still serving: {status}");
    app.finish().await;
    Ok(())
}

async fn a_stuck_handler_is_answered_by_the_timeout(backend: Backend) -> Result<(), Failed> {
    let routes = axum::Router::new().route(
        "/test/stuck",
        get(|| async {
            std::future::pending::<()>().await;
            ""
        }),
    );
    let app = TestApp::spawn_custom(
        &backend,
        "127.0.0.1:0",
        |c| c.http.request_seconds = 1,
        routes,
    )
    .await;
    let response = tokio::time::timeout(
        GUARD,
        app.client.get(format!("{}/test/stuck", app.base)).send(),
    )
    .await
    .map_err(|_| "no answer")??;
    ensure!(
        response.status() == StatusCode::SERVICE_UNAVAILABLE,
        "status {}",
        response.status()
    );
    let page = response.text().await?;
    ensure!(
        page.contains("The answer took too long"),
        "the page says why"
    );
    app.finish().await;
    Ok(())
}

async fn requests_over_the_cap_are_refused(backend: Backend) -> Result<(), Failed> {
    let (entered, mut inside) = tokio::sync::mpsc::channel::<()>(1);
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let held = release.clone();
    let routes = axum::Router::new().route(
        "/test/hold",
        get(move || {
            let (entered, held) = (entered.clone(), held.clone());
            async move {
                let _ = entered.send(()).await;
                held.notified().await;
                "released"
            }
        }),
    );
    let app = TestApp::spawn_custom(
        &backend,
        "127.0.0.1:0",
        |c| c.http.max_concurrent_requests = 1,
        routes,
    )
    .await;
    let holding = tokio::spawn(app.client.get(format!("{}/test/hold", app.base)).send());
    inside
        .recv()
        .await
        .ok_or("the first request never arrived")?;
    let response = app.client.get(format!("{}/en", app.base)).send().await?;
    ensure!(
        response.status() == StatusCode::SERVICE_UNAVAILABLE,
        "over the cap: {}",
        response.status()
    );
    ensure!(
        response.headers().contains_key("retry-after"),
        "says when to try again"
    );
    ensure!(
        response.text().await?.contains("The service is busy"),
        "the page says why"
    );
    release.notify_one();
    let first = holding.await??;
    ensure!(
        first.status() == StatusCode::OK,
        "the first: {}",
        first.status()
    );
    let (status, _) = app.get("/en").await;
    ensure!(status == StatusCode::OK, "room again: {status}");
    app.finish().await;
    Ok(())
}

async fn every_response_has_the_security_headers(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| {
        c.trusted_proxies = vec![PROXY.parse().unwrap()]
    })
    .await;
    for path in [
        "/",
        "/fi",
        "/no/such/page",
        "/healthz",
        "/static/style.css",
        "/staff/sign-in",
    ] {
        let response = app.client.get(format!("{}{path}", app.base)).send().await?;
        let headers = response.headers();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
        ] {
            ensure!(
                headers.get(name).is_some_and(|v| v == value),
                "{path}: {name}"
            );
        }
        ensure!(
            headers
                .get("content-security-policy")
                .is_some_and(|v| v.to_str().unwrap_or("").contains("frame-ancestors 'none'")),
            "{path}: CSP"
        );
        ensure!(
            headers.get("cache-control").is_some(),
            "{path}: Cache-Control"
        );
        ensure!(
            !headers.contains_key("strict-transport-security"),
            "{path}: no HSTS over plain HTTP"
        );
    }
    let over_tls = app
        .client
        .get(format!("{}/fi", app.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await?;
    ensure!(
        over_tls
            .headers()
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("max-age=")),
        "HSTS when the trusted proxy says HTTPS"
    );
    app.finish().await;
    Ok(())
}

/// A route that says when a request is inside and answers when released.
fn holding_route() -> (
    axum::Router<intake_service::web::AppState>,
    tokio::sync::mpsc::Receiver<()>,
    std::sync::Arc<tokio::sync::Notify>,
) {
    let (entered, inside) = tokio::sync::mpsc::channel::<()>(4);
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let held = release.clone();
    let routes = axum::Router::new().route(
        "/test/hold",
        get(move || {
            let (entered, held) = (entered.clone(), held.clone());
            async move {
                let _ = entered.send(()).await;
                held.notified().await;
                "released"
            }
        }),
    );
    (routes, inside, release)
}

async fn stopping_lets_requests_finish_then_cuts_at_the_deadline(
    backend: Backend,
) -> Result<(), Failed> {
    for deadline in [30, 1] {
        let (routes, mut inside, release) = holding_route();
        // The app of a TestApp, served here so that it can be told to stop.
        let template = TestApp::spawn_with(&backend, |c| c.scanning.process = false).await;
        let mut config = template.config.clone();
        config.http.shutdown_seconds = deadline;
        config.http.request_seconds = 600;
        let app = intake_service::Application::build(config)
            .await?
            .with_routes(routes);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(app.serve_until(listener, async {
            let _ = stopped.await;
        }));
        let held = tokio::spawn(reqwest::get(format!("{base}/test/hold")));
        inside.recv().await.ok_or("the request never arrived")?;
        let _ = stop.send(());
        if deadline == 30 {
            // Stopping waits for the request in flight, which finishes.
            release.notify_one();
            let answer = held.await??;
            ensure!(answer.status() == StatusCode::OK, "{}", answer.status());
            ensure!(answer.text().await? == "released", "the whole answer");
            let served = tokio::time::timeout(GUARD, serving).await;
            ensure!(
                matches!(served, Ok(Ok(Ok(())))),
                "the server stops when it is done"
            );
        } else {
            // Never released: the deadline ends it, and cuts it.
            let served = tokio::time::timeout(GUARD, serving).await;
            ensure!(
                matches!(served, Ok(Ok(Ok(())))),
                "the server stops at the deadline"
            );
            let cut = tokio::time::timeout(GUARD, held)
                .await
                .map_err(|_| "still held")??;
            ensure!(cut.is_err(), "the request in flight is cut: {cut:?}");
        }
        let refused = reqwest::get(format!("{base}/healthz")).await;
        ensure!(refused.is_err(), "no new connection after the stop");
        template.finish().await;
    }
    Ok(())
}

async fn a_stopping_worker_hands_its_job_back(backend: Backend) -> Result<(), Failed> {
    use intake_service::pipeline::import::{ImportRequest, store_batch};
    use intake_service::store::BatchEntry;

    let app = TestApp::spawn_with(&backend, |c| c.scanning.process = false).await;
    let store = &app.store;
    let pile = tempfile::tempdir()?;
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/samples/002-printed.jpg"),
        pile.path().join("002.jpg"),
    )?;
    let pipeline = intake_service::pipeline::Pipeline::new(store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: time::macros::date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let hour = Duration::from_secs(3600);
    let job = store.claim_job("stopping", hour).await?.ok_or("a job")?;
    ensure!(job.attempts == 1, "first attempt");
    ensure!(
        store.claim_job("other", hour).await?.is_none(),
        "leased for an hour"
    );
    ensure!(
        store.release_leases("someone-else").await? == 0,
        "only the worker's own jobs"
    );
    ensure!(store.release_leases("stopping").await? == 1, "handed back");
    let again = store
        .claim_job("other", hour)
        .await?
        .ok_or("claimable at once")?;
    ensure!(
        again.id == job.id && again.attempts == 1,
        "the stop did not count as an attempt: {}",
        again.attempts
    );
    app.finish().await;
    Ok(())
}

/// `intake worker` told to stop (SIGTERM) while a reading child is inside
/// a file (the child's test hook holds it there): the job is queued again
/// at once, though its lease had an hour to run, and the stop costs no
/// attempt.
async fn a_worker_stopped_mid_file_hands_the_file_back_at_once(
    backend: Backend,
) -> Result<(), Failed> {
    use intake_service::pipeline::import::{ImportRequest, store_batch};
    use intake_service::store::{BatchEntry, FileState};

    let app = TestApp::spawn_with(&backend, |c| c.scanning.process = false).await;
    let store = &app.store;
    let pile = tempfile::tempdir()?;
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/samples/002-printed.jpg"),
        pile.path().join("hold-me.jpg"),
    )?;
    let pipeline = intake_service::pipeline::Pipeline::new(store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: time::macros::date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let file = store.batch_files(batch.id).await?[0].id;

    let config = app.config.data_dir.join("worker.toml");
    std::fs::write(&config, "[scanning]\nlease_seconds = 3600\nworkers = 1\n")?;
    let log_path = app.config.data_dir.join("worker.log");
    let log = std::fs::File::create(&log_path)?;
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
        .env_remove("DATABASE_URL")
        .env_remove("INTAKE_CONFIG")
        .env_remove("INTAKE_DROP_DIR")
        .env("INTAKE_DATA_DIR", &app.config.data_dir)
        .env(
            "INTAKE_FORMS_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/forms"),
        )
        .env("RUST_LOG", "intake=info")
        .env(intake_service::pipeline::reading::TEST_HOLD_ON, "hold-me")
        .arg("--config")
        .arg(&config)
        .args(["worker", "--database"])
        .arg(&app.config.database_url)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let said = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // Inside the file: the child has opened it (its page count is
    // recorded) and holds there, its lease an hour long.
    let inside = tokio::time::timeout(GUARD, async {
        loop {
            let opened = store.scan_file(file).await.ok().flatten()?.page_count;
            if opened.is_some() {
                return Some(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    if !matches!(inside, Ok(Some(()))) {
        let _ = worker.kill();
        let _ = worker.wait();
        return Err(format!("the worker never opened the file:\n{}", said()).into());
    }
    let counts = store.queue_counts().await?;
    ensure!(counts.running == 1, "the job is running: {counts:?}");
    ensure!(
        store.claim_job("other", GUARD).await?.is_none(),
        "the job is leased while the file is read"
    );

    let term = std::process::Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()?;
    ensure!(term.success(), "SIGTERM sent");
    let stopped = tokio::time::timeout(GUARD, tokio::task::spawn_blocking(move || worker.wait()))
        .await
        .map_err(|_| format!("the worker did not stop:\n{}", said()))???;
    ensure!(
        stopped.success(),
        "the worker stops cleanly: {stopped}\n{}",
        said()
    );

    let counts = store.queue_counts().await?;
    ensure!(
        counts.queued == 1 && counts.running == 0 && counts.dead == 0,
        "handed back: {counts:?}\n{}",
        said()
    );
    ensure!(
        store.job_attempts_of_batch(batch.id).await? == [0],
        "the stop cost no attempt"
    );
    let held = store.scan_file(file).await?.ok_or("the file")?;
    ensure!(
        held.state != FileState::Quarantined && held.reason.is_none(),
        "no crash is recorded: {held:?}"
    );
    ensure!(
        store.latest_heartbeat().await?.is_none(),
        "the stopped worker's heartbeat is gone"
    );
    let again = store
        .claim_job("other", Duration::from_secs(3600))
        .await?
        .ok_or("claimable at once, long before the hour's lease ends")?;
    ensure!(
        again.file_id == file && again.attempts == 1,
        "the same file, as its first attempt: {}",
        again.attempts
    );
    app.finish().await;
    Ok(())
}

async fn health_and_readiness(backend: Backend) -> Result<(), Failed> {
    // A web node without a worker of its own.
    let app = TestApp::spawn_with(&backend, |c| c.scanning.process = false).await;
    let (status, body) = app.get("/healthz").await;
    ensure!(
        status == StatusCode::OK && body == "ok\n",
        "healthz: {status}"
    );
    let (status, body) = app.get("/readyz").await;
    ensure!(
        status == StatusCode::SERVICE_UNAVAILABLE && body.contains("worker: no heartbeat"),
        "no worker anywhere: {status} {body}"
    );
    // A worker on another machine beats in the shared database.
    app.store.worker_heartbeat("elsewhere:1").await?;
    let (status, body) = app.get("/readyz").await;
    ensure!(status == StatusCode::OK, "a worker beats: {status} {body}");
    app.store.worker_stopped("elsewhere:1").await?;
    let (status, _) = app.get("/readyz").await;
    ensure!(
        status == StatusCode::SERVICE_UNAVAILABLE,
        "it stopped: {status}"
    );
    app.finish().await;

    // With its own worker, which beats as it starts.
    let app = TestApp::spawn(&backend).await;
    let beat = tokio::time::timeout(GUARD, async {
        loop {
            if app.store.latest_heartbeat().await.ok().flatten().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    ensure!(beat.is_ok(), "the worker writes a heartbeat");
    let (status, body) = app.get("/readyz").await;
    ensure!(status == StatusCode::OK, "ready: {status} {body}");
    app.finish().await;
    Ok(())
}

/// The value of one sample line of the metrics text.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

async fn metrics_count_and_need_loopback_or_the_token(backend: Backend) -> Result<(), Failed> {
    const TOKEN: &str = "metrics-test-token";
    let app = TestApp::spawn_with(&backend, |c| {
        c.metrics_token = intake_service::config::Secret::new(TOKEN)
    })
    .await;
    let fields = valid_fields(&app.form_token("sv").await);
    let (status, _) = app.post("/sv", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "stored: {status}");
    let (status, _) = app.post("/sv", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "resent: {status}");
    let mut bot = valid_fields(&app.form_token("sv").await);
    bot.push(("website", "http://spam.example".into()));
    let (status, _) = app.post("/sv", &borrowed(&bot)).await;
    ensure!(status == StatusCode::BAD_REQUEST, "honeypot: {status}");

    // Two refused sign-ins, an unknown name and a wrong password, count alike.
    common::page::add_user(&app, "kaisa", intake_service::accounts::Role::Caseworker).await?;
    for name in ["nobody", "kaisa"] {
        let refused = common::page::sign_in_attempt(&app, name, "wrong password!", &[]).await?;
        ensure!(
            refused.status == StatusCode::UNAUTHORIZED,
            "{name}: {}",
            refused.status
        );
    }

    let (status, metrics) = app.get("/metrics").await;
    ensure!(status == StatusCode::OK, "from loopback: {status}");
    for (series, value) in [
        ("intake_submissions_accepted_total", 1.0),
        ("intake_submissions_resubmitted_total", 1.0),
        (
            "intake_submissions_refused_total{reason=\"automated\"}",
            1.0,
        ),
        (
            "intake_submissions_refused_total{reason=\"global_day\"}",
            0.0,
        ),
        ("intake_queue_registrations{status=\"awaiting_call\"}", 1.0),
        ("intake_queue_registrations{status=\"closed\"}", 0.0),
        ("intake_queue_overdue", 0.0),
        ("intake_review_backlog", 0.0),
        ("intake_jobs{state=\"dead\"}", 0.0),
        ("intake_jobs_dead", 0.0),
        ("intake_files_quarantined", 0.0),
        ("intake_sign_in_failures_total", 2.0),
        ("intake_pages_read_total", 0.0),
        ("intake_page_read_seconds_count", 0.0),
    ] {
        ensure!(
            sample(&metrics, series) == Some(value),
            "{series} is {value}: {:?}",
            sample(&metrics, series)
        );
    }
    ensure!(
        metrics.contains("# TYPE intake_page_read_seconds histogram"),
        "a histogram of seconds per page"
    );
    ensure!(
        !metrics.contains("Virtanen") && !metrics.contains("131052"),
        "no personal data"
    );

    let through_proxy = |token: Option<&str>| {
        let request = app
            .client
            .get(format!("{}/metrics", app.base))
            .header("x-forwarded-for", "198.51.100.9");
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let refused = through_proxy(None).await?;
    ensure!(
        refused.status() == StatusCode::UNAUTHORIZED,
        "through a proxy without the token: {}",
        refused.status()
    );
    let wrong = through_proxy(Some("guess")).await?;
    ensure!(
        wrong.status() == StatusCode::UNAUTHORIZED,
        "a wrong token: {}",
        wrong.status()
    );
    let open = through_proxy(Some(TOKEN)).await?;
    ensure!(
        open.status() == StatusCode::OK,
        "with the token: {}",
        open.status()
    );
    app.finish().await;
    Ok(())
}

/// `serve --no-processing` beside a worker elsewhere: the server's
/// `/metrics` counts the pages the worker read, and times each.
async fn metrics_show_the_pages_another_process_read(backend: Backend) -> Result<(), Failed> {
    use intake_service::pipeline::import::{ImportRequest, store_batch};
    use intake_service::pipeline::worker::{self, Until, WorkerOptions};
    use intake_service::store::BatchEntry;

    let app = TestApp::spawn_with(&backend, |c| c.scanning.process = false).await;
    let pile = tempfile::tempdir()?;
    for name in ["002-printed.jpg", "009-printed.png"] {
        std::fs::copy(
            format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR")),
            pile.path().join(name),
        )?;
    }
    // The worker's own pipeline and connections, as in `intake worker`:
    // nothing of it is shared with the server but the database.
    let store = intake_service::store::Store::connect(&app.config.database_url).await?;
    let pipeline = intake_service::pipeline::Pipeline::new(store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: time::macros::date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let options = WorkerOptions::new(Duration::from_secs(60), 1);
    tokio::time::timeout(
        Duration::from_secs(300),
        worker::run(pipeline, options, Until::BatchDone(batch.id)),
    )
    .await
    .map_err(|_| "the worker did not finish the batch")?;
    store.close().await;
    let pages = app.store.batch_pages(batch.id).await?.len() as f64;
    ensure!(pages == 2.0, "both pages recorded: {pages}");

    let (status, metrics) = app.get("/metrics").await;
    ensure!(status == StatusCode::OK, "{status}");
    ensure!(
        sample(&metrics, "intake_pages_read_total") == Some(pages),
        "pages read: {:?}",
        sample(&metrics, "intake_pages_read_total")
    );
    // Both were read from their images, so each is a time sample.
    for series in [
        "intake_page_read_seconds_count",
        "intake_page_read_seconds_bucket{le=\"+Inf\"}",
    ] {
        ensure!(
            sample(&metrics, series) == Some(pages),
            "{series}: {:?}",
            sample(&metrics, series)
        );
    }
    let seconds = sample(&metrics, "intake_page_read_seconds_sum").unwrap_or(0.0);
    let timed = seconds > 0.0;
    ensure!(timed, "the reading time is summed: {seconds}");
    app.finish().await;
    Ok(())
}

/// A route that takes every password check slot, says so, and gives
/// them back when released.
fn password_checks_taken() -> (
    axum::Router<intake_service::web::AppState>,
    tokio::sync::mpsc::Receiver<()>,
    std::sync::Arc<tokio::sync::Notify>,
) {
    use axum::extract::State;
    use intake_service::web::AppState;

    let (entered, taken) = tokio::sync::mpsc::channel::<()>(1);
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let held = release.clone();
    let routes = axum::Router::new().route(
        "/test/take-password-checks",
        get(move |State(state): State<AppState>| {
            let (entered, held) = (entered.clone(), held.clone());
            async move {
                let all = state.config.staff.password_checks_at_once;
                let _taken = state.hashing.clone().acquire_many_owned(all).await;
                let _ = entered.send(()).await;
                held.notified().await;
                "released"
            }
        }),
    );
    (routes, taken, release)
}

/// Every password check is taken: a sign-in waits the configured time,
/// then is answered 503 without a check (a wrong password is not found
/// wrong, nor counted); once a check is free, sign-ins work again.
async fn a_sign_in_finding_every_password_check_taken_is_told_busy(
    backend: Backend,
) -> Result<(), Failed> {
    const PASSWORD: &str = "a long enough password";
    let (routes, mut taken, release) = password_checks_taken();
    let app = TestApp::spawn_custom(
        &backend,
        "127.0.0.1:0",
        |c| {
            c.scanning.process = false;
            c.staff.password_check_wait_ms = 200;
        },
        routes,
    )
    .await;
    let store = &app.store;
    store
        .add_user(
            "kaisa",
            intake_service::accounts::Role::Caseworker,
            PASSWORD.into(),
        )
        .await?;
    let holder = tokio::spawn(reqwest::get(format!(
        "{}/test/take-password-checks",
        app.base
    )));
    tokio::time::timeout(GUARD, taken.recv())
        .await
        .map_err(|_| "the checks were never taken")?
        .ok_or("the route ended")?;

    for password in [PASSWORD, "wrong password!"] {
        let busy = common::page::sign_in_attempt(&app, "kaisa", password, &[]).await?;
        ensure!(
            busy.status == StatusCode::SERVICE_UNAVAILABLE,
            "no check free: {}",
            busy.status
        );
        ensure!(
            !busy
                .set_cookie
                .iter()
                .any(|c| c.starts_with("intake_staff=")),
            "no session"
        );
    }
    let (_, metrics) = app.get("/metrics").await;
    ensure!(
        sample(&metrics, "intake_sign_in_failures_total") == Some(0.0),
        "the wrong password was never checked, so not counted: {:?}",
        sample(&metrics, "intake_sign_in_failures_total")
    );

    release.notify_one();
    let released = tokio::time::timeout(GUARD, holder)
        .await
        .map_err(|_| "the checks were never given back")???;
    ensure!(released.status() == StatusCode::OK, "{}", released.status());
    let wrong = common::page::sign_in_attempt(&app, "kaisa", "wrong password!", &[]).await?;
    ensure!(
        wrong.status == StatusCode::UNAUTHORIZED,
        "checked again: {}",
        wrong.status
    );
    let signed_in = common::page::sign_in_attempt(&app, "kaisa", PASSWORD, &[]).await?;
    ensure!(
        signed_in.status == StatusCode::SEE_OTHER,
        "signed in: {}",
        signed_in.status
    );
    app.finish().await;
    Ok(())
}
