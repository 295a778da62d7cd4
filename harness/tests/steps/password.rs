//! Steps for Login/Password, lockout and logout (R-PW-1..5).

use super::{Browser, DsWorld, Reply};
use anyhow::{Context, bail, ensure};
use cucumber::{given, then, when};

async fn login(
    w: &mut DsWorld,
    browser: &str,
    email: &str,
    mode: &str,
    password: &str,
) -> anyhow::Result<()> {
    w.post_login(browser, mode, &[("email", email), ("password", password)])
        .await?;
    Ok(())
}

#[when(expr = "{string} logs in to {word} with password {string}")]
async fn logs_in(
    w: &mut DsWorld,
    email: String,
    mode: String,
    password: String,
) -> anyhow::Result<()> {
    login(w, "default", &email, &mode, &password).await
}

/// A password of `n` characters from a fixed pattern: the one of `n` characters is a prefix of
/// the one of `n + 1`, so a scenario can try the stored password cut short or with a character
/// more. Non-ASCII on purpose: the limit is in characters, not bytes.
fn generated_password(n: usize) -> String {
    "Long-Pass-2026-é".chars().cycle().take(n).collect()
}

#[given(
    expr = "the administrator provisions {string} with email {string} and a password of {int} characters"
)]
async fn provision_long(
    w: &mut DsWorld,
    name: String,
    email: String,
    n: usize,
) -> anyhow::Result<()> {
    let body = serde_json::json!({"name": name, "email": email, "password": generated_password(n)});
    w.admin_expect(201, "POST", "/api/{account}/users", Some(body))
        .await?;
    Ok(())
}

#[when(expr = "{string} logs in to {word} with the generated password of {int} characters")]
async fn logs_in_generated(
    w: &mut DsWorld,
    email: String,
    mode: String,
    n: usize,
) -> anyhow::Result<()> {
    login(w, "default", &email, &mode, &generated_password(n)).await
}

#[when(expr = "{string} logs in to {word} with password {string} {int} times")]
async fn logs_in_n(
    w: &mut DsWorld,
    email: String,
    mode: String,
    password: String,
    n: usize,
) -> anyhow::Result<()> {
    for _ in 0..n {
        login(w, "default", &email, &mode, &password).await?;
    }
    Ok(())
}

#[when(expr = "{string} logs in to {word} with password {string} and next {string}")]
async fn logs_in_next(
    w: &mut DsWorld,
    email: String,
    mode: String,
    password: String,
    next: String,
) -> anyhow::Result<()> {
    let next = w.expand(&next)?;
    w.post_login(
        "default",
        &mode,
        &[("email", &email), ("password", &password), ("next", &next)],
    )
    .await?;
    Ok(())
}

/// Fires `n` wrong-password logins at once, each from its own browser.
#[when(expr = "{int} concurrent logins of {string} to {word} use wrong passwords")]
async fn concurrent_wrong(
    w: &mut DsWorld,
    n: usize,
    email: String,
    mode: String,
) -> anyhow::Result<()> {
    let url = w
        .stack
        .sp_url(&w.expand(&format!("/live/{{account}}/login?P_mode={mode}"))?);
    let origin = w.stack.sp_url("");
    let attempts = (0..n).map(|i| {
        let (url, origin, email) = (url.clone(), origin.clone(), email.clone());
        async move {
            let browser = Browser::new()?;
            let page = Reply::read(browser.client.get(&url).send().await?).await?;
            let token =
                reference_sp::http::pages::login_token_of(&page.body).context("no token")?;
            let password = format!("wrong-password-{i}");
            let form = [
                ("email", email.as_str()),
                ("password", password.as_str()),
                ("login_token", token.as_str()),
            ];
            let response = browser
                .client
                .post(&url)
                .header("Origin", origin)
                .form(&form)
                .send()
                .await?;
            Reply::read(response).await
        }
    });
    w.burst = futures::future::try_join_all(attempts).await?;
    Ok(())
}

#[then(expr = "every one of them is refused with {string}")]
async fn burst_refused(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    ensure!(!w.burst.is_empty(), "no burst was sent");
    for reply in &w.burst {
        ensure!(
            reply.status == 303,
            "status {}: {}",
            reply.status,
            reply.body
        );
        let location = reply.location()?;
        ensure!(
            location.contains(&format!("&error={code}")),
            "sent to {location}, not back to the form with {code}"
        );
    }
    Ok(())
}

#[then(expr = "the login succeeds and lands on {string}")]
async fn login_ok(w: &mut DsWorld, target: String) -> anyhow::Result<()> {
    let target = w.expand(&target)?;
    let reply = w.expect_status(303)?;
    let location = reply.location()?;
    ensure!(
        location == target,
        "landed on {location}, expected {target}"
    );
    let cookies = reply.set_cookies();
    ensure!(
        cookies.iter().any(|c| c.starts_with("DS_SESSION_")),
        "no session cookie set: {cookies:?}"
    );
    Ok(())
}

#[then(expr = "the login is refused with {string}")]
async fn login_refused(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    // Post/redirect/get: the refusal is a redirect back to the form, which shows the code.
    let reply = w.expect_status(303)?.clone();
    ensure!(
        !reply
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("DS_SESSION_")),
        "a refused login set a session cookie"
    );
    let location = reply.location()?.to_owned();
    ensure!(
        location.contains(&format!("&error={code}")),
        "sent to {location}, not back to the form with {code}"
    );
    let page = w.get("default", &location).await?;
    ensure!(
        page.status == 200 && page.body.contains(&format!("data-code=\"{code}\"")),
        "the form after the redirect does not show {code}: {} {}",
        page.status,
        page.body
    );
    Ok(())
}

#[then(
    expr = "the session cookie for {word} is HttpOnly, SameSite=Lax and scoped to the whole site"
)]
async fn cookie_attributes(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    let name = format!("DS_SESSION_{account}_{mode}=");
    let reply = w.last()?;
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&name))
        .with_context(|| format!("no {name} cookie set"))?;
    let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
    for wanted in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        ensure!(
            attributes.contains(&wanted),
            "{wanted} missing from {cookie}"
        );
    }
    Ok(())
}

#[when(expr = "the browser's {word} session ID is noted")]
#[then(expr = "the browser's {word} session ID is noted")]
async fn note_session(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    let id = w
        .session_cookie("default", &account, &mode)
        .context("no session cookie held")?;
    w.session_ids.push(id);
    Ok(())
}

#[then("the two noted session IDs differ and the first no longer works")]
async fn ids_differ(w: &mut DsWorld) -> anyhow::Result<()> {
    let [first, second] = w.session_ids.as_slice() else {
        bail!(
            "expected two noted session IDs, have {}",
            w.session_ids.len()
        );
    };
    ensure!(first != second, "the session ID was reused: {first}");
    let first = first.clone();
    refused_in_another_browser(w, &first).await
}

/// `id`, planted as the LIVE session cookie of a fresh browser, is not a session any more.
async fn refused_in_another_browser(w: &mut DsWorld, id: &str) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    w.plant_cookie("replay", &format!("DS_SESSION_{account}_LIVE"), id)?;
    let reply = w
        .get("replay", "/live/{account}/session?P_mode=LIVE")
        .await?;
    ensure!(
        reply.status == 401,
        "the noted session still works: {}",
        reply.body
    );
    Ok(())
}

#[then("the noted session ID no longer works")]
async fn noted_id_dead(w: &mut DsWorld) -> anyhow::Result<()> {
    let [id] = w.session_ids.as_slice() else {
        bail!(
            "expected one noted session ID, have {}",
            w.session_ids.len()
        );
    };
    let id = id.clone();
    refused_in_another_browser(w, &id).await
}

#[then(expr = "the answer clears the session cookie for {word}")]
async fn cookie_cleared(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let name = format!("DS_SESSION_{}_{mode}=", w.account()?);
    let reply = w.last()?;
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&name))
        .with_context(|| format!("no {name} cookie set: {:?}", reply.set_cookies()))?;
    let (value, attributes) = cookie.split_once("; ").unwrap_or((cookie.as_str(), ""));
    ensure!(value == name, "the cookie keeps a value: {cookie}");
    let attributes: Vec<&str> = attributes.split("; ").collect();
    for wanted in ["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Lax"] {
        ensure!(
            attributes.contains(&wanted),
            "{wanted} missing from {cookie}"
        );
    }
    Ok(())
}

#[when(expr = "the browser logs out of {word}")]
async fn logout(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    w.post_form(
        "default",
        &format!("/live/{{account}}/logout?P_mode={mode}"),
        &[],
    )
    .await?;
    Ok(())
}

#[then(expr = "the user {string} is {word} with {int} failed attempts")]
async fn user_state(
    w: &mut DsWorld,
    email: String,
    status: String,
    attempts: u64,
) -> anyhow::Result<()> {
    let user = w.user(&email).await?;
    ensure!(user["status"] == status.as_str(), "status: {user}");
    ensure!(
        user["failed_attempts"] == attempts,
        "failed attempts: {user}"
    );
    Ok(())
}

/// Read from the store, not the admin API: that API's Basic check would hash a password too.
#[then(expr = "the store holds {string} as {word} with {int} failed attempts")]
async fn stored_user_state(
    w: &mut DsWorld,
    email: String,
    status: String,
    attempts: u32,
) -> anyhow::Result<()> {
    let account: reference_sp::domain::AccountId = w.account()?.parse()?;
    let email = reference_sp::domain::Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (user, _) = w
        .stack
        .store()
        .call(move |c| reference_sp::store::user_by_email(c, &account, &email))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .context("no such user in the store")?;
    let actual = serde_json::to_value(user.status)?;
    ensure!(actual == status.as_str(), "status {actual}");
    ensure!(
        user.failed_attempts == attempts,
        "failed attempts {}",
        user.failed_attempts
    );
    Ok(())
}

#[given("an SP whose password-hashing pool never drains")]
async fn saturated_sp(w: &mut DsWorld) -> anyhow::Result<()> {
    ensure!(
        w.account.is_none(),
        "this step must come before the account is created"
    );
    w.stack = harness::Stack::start_with(|s| {
        s.hash_pool = reference_sp::signin::hashing::PoolSize {
            workers: 0,
            queue: 0,
        };
    })
    .await?;
    Ok(())
}

#[when(expr = "the administrator unlocks {string}")]
async fn unlock(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let id = w.user_id(&email).await?;
    w.admin_call("POST", &format!("/api/{{account}}/users/{id}/unlock"), None)
        .await?;
    Ok(())
}

#[when(expr = "{string} with password {string} tries to unlock {string}")]
async fn unlock_as(
    w: &mut DsWorld,
    actor: String,
    password: String,
    email: String,
) -> anyhow::Result<()> {
    let id = w.user_id(&email).await?;
    w.api_call_as(
        &actor,
        &password,
        "POST",
        &format!("/api/{{account}}/users/{id}/unlock"),
        None,
    )
    .await?;
    Ok(())
}

#[when(expr = "the answer is kept as {string}")]
#[then(expr = "the answer is kept as {string}")]
async fn keep(w: &mut DsWorld, name: String) -> anyhow::Result<()> {
    let reply = w.last()?.clone();
    w.remembered.insert(name, reply);
    Ok(())
}

/// The standard page's cookie that types the email of a failed attempt again.
fn typed_email_cookie(r: &Reply) -> Option<String> {
    r.set_cookies()
        .into_iter()
        .find(|c| c.starts_with("DS_LOGIN_EMAIL_"))
}

/// The failed login's answer keeps exactly the email it was sent, to type it again; nothing
/// else of the attempt.
#[then(expr = "the answer keeps the typed email {string} for the login page")]
async fn keeps_typed_email(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let reply = w.last()?;
    let cookie = typed_email_cookie(reply).context("no typed-email cookie")?;
    let value: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    let want = format!(
        "DS_LOGIN_EMAIL_{}_LIVE={value}; Path=/live/{}/login; HttpOnly; SameSite=Strict; Max-Age=300",
        w.account()?,
        w.account()?
    );
    ensure!(cookie == want, "{cookie}\nnot {want}");
    Ok(())
}

/// Same status, same body, same headers apart from `Date` and the typed email each answer
/// echoes (checked on its own by "keeps the typed email"): nothing tells the causes apart.
#[then(expr = "the answers {string}, {string} and {string} are identical")]
async fn identical(w: &mut DsWorld, a: String, b: String, c: String) -> anyhow::Result<()> {
    let get = |name: &str| {
        w.remembered
            .get(name)
            .with_context(|| format!("no answer kept as {name}"))
    };
    let (a, b, c) = (get(&a)?, get(&b)?, get(&c)?);
    let shape = |r: &Reply| {
        let mut headers: Vec<(String, String)> = r
            .headers
            .iter()
            .filter(|(k, _)| *k != reqwest::header::DATE)
            .map(|(k, v)| {
                let v = v.to_str().unwrap_or_default();
                let v = match v.split_once('=') {
                    Some((name, rest)) if name.starts_with("DS_LOGIN_EMAIL_") => {
                        let attrs = rest.split_once(';').map_or("", |(_, a)| a);
                        format!("{name}=<typed>;{attrs}")
                    }
                    _ => v.to_owned(),
                };
                (k.to_string(), v)
            })
            .collect();
        headers.sort();
        (r.status, r.body.clone(), headers)
    };
    ensure!(shape(a) == shape(b), "first two differ:\n{a:?}\n{b:?}");
    ensure!(
        shape(a) == shape(c),
        "first and third differ:\n{a:?}\n{c:?}"
    );
    Ok(())
}

#[then(expr = "the store holds an argon2id hash, not the password, for {string}")]
async fn stored_hash(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    let hash: String = w
        .stack
        .store()
        .call_blocking(|c| {
            Ok(c.query_row(
                "SELECT password_hash FROM users WHERE account_id = ?1 AND email_key = ?2",
                [account.as_str(), email.to_ascii_lowercase().as_str()],
                |r| r.get(0),
            )?)
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The production cost (the crate's defaults, OWASP's minimum): m = 19 MiB, t = 2, p = 1.
    ensure!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "not an argon2id hash at the production cost: {hash}"
    );
    Ok(())
}

#[when(expr = "the browser posts the login form of {word} with only the email {string}")]
async fn login_missing_password(
    w: &mut DsWorld,
    mode: String,
    email: String,
) -> anyhow::Result<()> {
    w.post_login("default", &mode, &[("email", &email)]).await?;
    Ok(())
}

/// A post as another site (or a tool) would send it: `form` is URL-encoded fields in which
/// `{login_token}` is the token of the login page the browser last opened; `headers` is
/// `Name: value` pairs separated by ` | ` (nothing is added, not even `Origin`).
#[when(
    expr = "the browser {string} posts {string} with the form {string} and the headers {string}"
)]
async fn crafted_post(
    w: &mut DsWorld,
    browser: String,
    path: String,
    form: String,
    headers: String,
) -> anyhow::Result<()> {
    let token = w
        .remembered
        .get(&format!("login page of {browser}"))
        .and_then(|page| reference_sp::http::pages::login_token_of(&page.body))
        .unwrap_or_default();
    let form = w.expand(&form)?.replace("{login_token}", &token);
    let path = with_user_ids(w, &path).await?;
    let url = w.stack.sp_url(&path);
    let b = w.browser(&browser)?;
    let mut request = b
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form);
    for pair in w.expand(&headers)?.split(" | ").filter(|p| !p.is_empty()) {
        let (name, value) = pair
            .split_once(": ")
            .context("header is not `Name: value`")?;
        request = request.header(name, value);
    }
    w.last = Some(Reply::read(request.send().await?).await?);
    Ok(())
}

/// `path` expanded, with `{user:EMAIL}` replaced by that user's ID.
async fn with_user_ids(w: &mut DsWorld, path: &str) -> anyhow::Result<String> {
    let mut path = w.expand(path)?;
    while let Some(start) = path.find("{user:") {
        let end = path[start..].find('}').context("unterminated {user:")? + start;
        let id = w.user_id(&path[start + 6..end]).await?;
        path.replace_range(start..=end, &id.to_string());
    }
    Ok(path)
}

/// An API client (HTTP Basic, no cookie jar) that happens to send a foreign `Origin`.
#[when(expr = "{string} with password {string} sends POST {string} from the origin {string}")]
async fn basic_post_from(
    w: &mut DsWorld,
    email: String,
    password: String,
    path: String,
    origin: String,
) -> anyhow::Result<()> {
    let path = with_user_ids(w, &path).await?;
    let url = w.stack.sp_url(&path);
    let reply = super::plain_client()
        .post(url)
        .basic_auth(email, Some(password))
        .header("Origin", origin)
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

#[when(expr = "the browser {string} opens the login page of {word}")]
async fn opens_login_page(w: &mut DsWorld, browser: String, mode: String) -> anyhow::Result<()> {
    let path = format!("/live/{{account}}/login?P_mode={mode}");
    let page = w.get(&browser, &path).await?.clone();
    ensure!(page.status == 200, "login page: {}", page.status);
    w.remembered
        .insert(format!("login page of {browser}"), page);
    Ok(())
}

#[when("the SP's password verifications are counted from here")]
async fn mark_verifications(w: &mut DsWorld) {
    w.verifications_mark = w.stack.sp_state().hashing().verifications();
}

/// The timing rule (R-PW-5) observed without timing: the count of argon2 verifications.
#[then(expr = "the SP has run {int} password verification(s) since")]
async fn verifications_since(w: &mut DsWorld, n: u64) -> anyhow::Result<()> {
    let now = w.stack.sp_state().hashing().verifications();
    let ran = now - w.verifications_mark;
    ensure!(ran == n, "{ran} verifications, expected {n}");
    w.verifications_mark = now;
    Ok(())
}
