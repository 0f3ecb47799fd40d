//! The staff side over plain HTTP: pages as they come back (no redirects
//! followed), and a signed-in staff member's browser that keeps its session
//! cookie and CSRF token, without JavaScript.

use intake_service::accounts::Role;
use intake_service::store::staff::StaffMember;
use libtest_mimic::Failed;
use reqwest::StatusCode;

use super::TestApp;
use crate::ensure;

/// Every test staff member's password.
pub const PASSWORD: &str = "a long enough password";

/// An answer as the tests look at it.
pub struct Page {
    pub status: StatusCode,
    /// Where a redirect leads; empty when it is none.
    pub location: String,
    pub content_type: String,
    /// Every `Set-Cookie` line.
    pub set_cookie: Vec<String>,
    pub bytes: Vec<u8>,
    /// The bytes as text (lossily, for pictures).
    pub body: String,
}

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

pub async fn page(response: reqwest::Response) -> Page {
    let header = |name| {
        response
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let location = header(reqwest::header::LOCATION).pop().unwrap_or_default();
    let content_type = header(reqwest::header::CONTENT_TYPE)
        .pop()
        .unwrap_or_default();
    let set_cookie = header(reqwest::header::SET_COOKIE);
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    Page {
        status,
        location,
        content_type,
        set_cookie,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// The text between two markers.
pub fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = text.find(before)? + before.len();
    let end = start + text[start..].find(after)?;
    Some(&text[start..end])
}

/// A staff account with [`PASSWORD`].
pub async fn add_user(app: &TestApp, name: &str, role: Role) -> Result<StaffMember, Failed> {
    add_user_to(&app.store, name, role).await
}

/// [`add_user`] in any store (one that servers of their own share).
pub async fn add_user_to(
    store: &intake_service::store::Store,
    name: &str,
    role: Role,
) -> Result<StaffMember, Failed> {
    Ok(store.add_user(name, role, PASSWORD.into()).await?)
}

/// One go at the sign-in form, with a fresh form token and the given
/// request headers; the answer as it comes.
pub async fn sign_in_attempt(
    app: &TestApp,
    name: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Result<Page, Failed> {
    sign_in_attempt_at(&app.base, name, password, headers).await
}

/// [`sign_in_attempt`] on a server at `base` (one this test started as a
/// process of its own).
pub async fn sign_in_attempt_at(
    base: &str,
    name: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Result<Page, Failed> {
    let client = client();
    let form = page(client.get(format!("{base}/staff/sign-in")).send().await?).await;
    let token = intake_devtools::synthetic::form_token(&form.body).ok_or("no sign-in token")?;
    // The form is good only with the pre-session cookie it came with.
    let pre_session = form
        .set_cookie
        .iter()
        .find(|c| c.starts_with("intake_sign_in="))
        .and_then(|c| c.split(';').next())
        .ok_or("no pre-session cookie")?
        .to_string();
    let body = serde_urlencoded::to_string([
        ("name", name),
        ("password", password),
        ("form_token", &token),
        ("next", "/staff"),
    ])?;
    let mut request = client
        .post(format!("{base}/staff/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", pre_session)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Ok(page(request.send().await?).await)
}

/// A signed-in staff member's browser, without JavaScript or redirects.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    /// Signs in an account made with [`add_user`].
    pub async fn sign_in(app: &TestApp, name: &str) -> Result<Browser, Failed> {
        Browser::sign_in_with(app, name, PASSWORD, &[]).await
    }

    /// Makes the account, then signs in.
    pub async fn new_user(app: &TestApp, name: &str, role: Role) -> Result<Browser, Failed> {
        add_user(app, name, role).await?;
        Browser::sign_in(app, name).await
    }

    pub async fn sign_in_with(
        app: &TestApp,
        name: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> Result<Browser, Failed> {
        Browser::sign_in_at(&app.base, name, password, headers).await
    }

    /// Signs in on a server at `base`.
    pub async fn sign_in_at(
        base: &str,
        name: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> Result<Browser, Failed> {
        let page = sign_in_attempt_at(base, name, password, headers).await?;
        ensure!(
            page.status == StatusCode::SEE_OTHER,
            "signing in as {name}: {} {}",
            page.status,
            page.body
        );
        let cookie = page
            .set_cookie
            .iter()
            .find(|c| c.starts_with("intake_staff="))
            .and_then(|c| c.split(';').next())
            .ok_or("no session cookie")?
            .to_string();
        let mut browser = Browser {
            base: base.to_string(),
            client: client(),
            cookie,
            csrf: String::new(),
        };
        let home = browser.get("/staff").await;
        ensure!(home.status == StatusCode::OK, "home page {}", home.status);
        browser.csrf = between(&home.body, "name=\"csrf\" value=\"", "\"")
            .ok_or("no CSRF token on the home page")?
            .to_string();
        Ok(browser)
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("the server answers");
        page(response).await
    }

    /// A form with the CSRF token put first.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, serde_urlencoded::to_string(&all).unwrap())
            .await
    }

    /// A form body as given, without a CSRF token of its own.
    pub async fn post_raw(&self, path: &str, body: String) -> Page {
        self.post_typed(
            path,
            "application/x-www-form-urlencoded".into(),
            body.into(),
        )
        .await
    }

    /// A multipart form as a browser sends it: `(name, file name, bytes)`.
    pub async fn post_multipart(
        &self,
        path: &str,
        parts: &[(&str, Option<&str>, Vec<u8>)],
    ) -> Page {
        let boundary = "----intake-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, file, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match file {
                Some(file) => format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                ),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.post_typed(
            path,
            format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
    }

    async fn post_typed(&self, path: &str, content_type: String, body: Vec<u8>) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the server answers");
        page(response).await
    }
}
