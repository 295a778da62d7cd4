//! Steps for Login/Password, lockout and logout (R-PW-1..5).

use super::{Browser, DsWorld, Reply};
use anyhow::{Context, bail, ensure};
use cucumber::{then, when};

async fn login(
    w: &mut DsWorld,
    browser: &str,
    email: &str,
    mode: &str,
    password: &str,
) -> anyhow::Result<()> {
    let path = format!("/live/{{account}}/login?P_mode={mode}");
    w.post_form(browser, &path, &[("email", email), ("password", password)])
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
    let path = format!("/live/{{account}}/login?P_mode={mode}");
    w.post_form(
        "default",
        &path,
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
    let attempts = (0..n).map(|i| {
        let url = url.clone();
        let email = email.clone();
        async move {
            let browser = Browser::new()?;
            let password = format!("wrong-password-{i}");
            let response = browser
                .client
                .post(url)
                .form(&[("email", email.as_str()), ("password", password.as_str())])
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
        ensure!(reply.status == 401, "status {}", reply.status);
        ensure!(
            reply.body.contains(&format!("data-code=\"{code}\"")),
            "body without {code}: {}",
            reply.body
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
    let reply = w.expect_status(401)?;
    ensure!(
        reply.body.contains(&format!("data-code=\"{code}\"")),
        "body without {code}: {}",
        reply.body
    );
    ensure!(
        !reply
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("DS_SESSION_")),
        "a refused login set a session cookie"
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
    let (first, account) = (first.clone(), w.account()?.to_owned());
    w.plant_cookie("replay", &format!("DS_SESSION_{account}_LIVE"), &first)?;
    let reply = w
        .get("replay", "/live/{account}/session?P_mode=LIVE")
        .await?;
    ensure!(
        reply.status == 401,
        "the first session still works: {}",
        reply.body
    );
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

/// Same status, same body, same headers apart from `Date`: nothing tells the causes apart.
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
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
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
    ensure!(
        hash.starts_with("$argon2id$v=19$"),
        "not an argon2id hash: {hash}"
    );
    Ok(())
}

#[when(expr = "the browser posts the login form of {word} with only the email {string}")]
async fn login_missing_password(
    w: &mut DsWorld,
    mode: String,
    email: String,
) -> anyhow::Result<()> {
    let path = format!("/live/{{account}}/login?P_mode={mode}");
    w.post_form("default", &path, &[("email", &email)]).await?;
    Ok(())
}
