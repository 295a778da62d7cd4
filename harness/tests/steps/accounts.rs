//! Steps for customer accounts, users, execution modes and session scope (R-ACC-1..6).

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, DsWorld};
use anyhow::{Context, bail, ensure};
use cucumber::{given, then, when};
use reference_sp::domain::{Email, Profile};
use reference_sp::store::{self, NewUser};
use serde_json::json;

/// The fixture administrator's password hash: argon2id at the smallest cost the algorithm allows
/// (m = 8 KiB, t = 1), made once for the whole run and written straight into each scenario's
/// store. The administrator is how steps reach the admin API (HTTP Basic, one verification per
/// call), not what they test; at the production cost those verifications were half the suite's
/// CPU (issue 14). Every hash the SP makes itself (provisioning, the seed, password changes) is
/// at the production cost, and the R-PW-1 scenario asserts those parameters.
fn admin_hash() -> anyhow::Result<&'static str> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    static HASH: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None)
            .map_err(|e| e.to_string())?;
        let salt = SaltString::encode_b64(b"fixture-admin-salt").map_err(|e| e.to_string())?;
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(ADMIN_PASSWORD.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .as_deref()
    .map_err(|e| anyhow::anyhow!("hashing the fixture administrator's password: {e}"))
}

/// Creates the account as the platform operator does, with its first administrator (the admin
/// API needs one to exist), and makes it the scenario's current account.
async fn create_account(w: &mut DsWorld, id: &str) -> anyhow::Result<()> {
    let account = w.stack.create_account(id, "Contoso", Some(5))?;
    let admin = NewUser {
        profile: Profile::Admin,
        password_hash: Some(admin_hash()?.to_owned()),
        ..NewUser::new(
            "Contoso Admin",
            Email::parse(ADMIN_EMAIL).map_err(|e| anyhow::anyhow!("{e}"))?,
        )
    };
    let now = protocol::Clock::now(w.stack.clock());
    w.stack
        .store()
        .call_blocking(|c| store::create_user(c, &account, &admin, now))
        .map_err(|e| anyhow::anyhow!("creating the administrator: {e}"))?;
    w.account = Some(id.to_owned());
    Ok(())
}

#[given(expr = "the customer account {string}")]
async fn given_account(w: &mut DsWorld, id: String) -> anyhow::Result<()> {
    create_account(w, &id).await
}

#[given(expr = "another customer account {string}")]
async fn given_other_account(w: &mut DsWorld, id: String) -> anyhow::Result<()> {
    let current = w.account.clone();
    create_account(w, &id).await?;
    w.account = current;
    Ok(())
}

/// The seed `harness up` starts with (harness/demo.toml), applied to the scenario's empty store
/// as the SP applies a `--seed` file: the account, its users (passwords hashed by the SP) and
/// its resources.
#[given("the SP's store is seeded with the demo configuration")]
async fn seeded_with_demo(w: &mut DsWorld) -> anyhow::Result<()> {
    let seed =
        reference_sp::seed::Seed::from_toml(harness::DEMO_SEED).map_err(anyhow::Error::msg)?;
    let now = protocol::Clock::now(w.stack.clock());
    let outcomes =
        reference_sp::seed::apply(w.stack.store(), &seed, now).map_err(anyhow::Error::msg)?;
    let [reference_sp::seed::SeedOutcome::Created(id)] = outcomes.as_slice() else {
        bail!("the demo seed should create exactly one account: {outcomes:?}");
    };
    w.account = Some(id.to_string());
    Ok(())
}

#[given(expr = "the steps address account {string}")]
#[when(expr = "the steps address account {string}")]
async fn address_account(w: &mut DsWorld, id: String) {
    w.account = Some(id);
}

#[given(expr = "the administrator provisions {string} with email {string} and password {string}")]
async fn provision(
    w: &mut DsWorld,
    name: String,
    email: String,
    password: String,
) -> anyhow::Result<()> {
    let body = json!({"name": name, "email": email, "password": password});
    w.admin_expect(201, "POST", "/api/{account}/users", Some(body))
        .await?;
    Ok(())
}

#[given(expr = "the administrator provisions {string} with email {string} and no password")]
async fn provision_no_password(w: &mut DsWorld, name: String, email: String) -> anyhow::Result<()> {
    let body = json!({"name": name, "email": email});
    w.admin_expect(201, "POST", "/api/{account}/users", Some(body))
        .await?;
    Ok(())
}

#[when(expr = "the administrator provisions a user with:")]
async fn provision_with(w: &mut DsWorld, step: &cucumber::gherkin::Step) -> anyhow::Result<()> {
    let table = step.table.as_ref().context("a table of field | value")?;
    let mut body = serde_json::Map::new();
    for row in &table.rows {
        body.insert(row[0].clone(), json!(row[1]));
    }
    w.admin_call("POST", "/api/{account}/users", Some(body.into()))
        .await?;
    Ok(())
}

#[then(expr = "the account lists the user {string} with:")]
async fn user_has(
    w: &mut DsWorld,
    email: String,
    step: &cucumber::gherkin::Step,
) -> anyhow::Result<()> {
    let table = step.table.as_ref().context("a table of field | value")?;
    let user = w.user(&email).await?;
    for row in &table.rows {
        let actual = match &user[&row[0]] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        ensure!(
            actual == row[1],
            "{}: expected {:?}, got {:?}",
            row[0],
            row[1],
            actual
        );
    }
    Ok(())
}

#[then(expr = "the account has exactly the users {string}")]
async fn exactly_users(w: &mut DsWorld, emails: String) -> anyhow::Result<()> {
    let reply = w
        .admin_expect(200, "GET", "/api/{account}/users", None)
        .await?;
    let json = reply.json()?;
    let actual: Vec<String> = json["users"]
        .as_array()
        .context("users")?
        .iter()
        .filter_map(|u| u["email"].as_str().map(str::to_owned))
        .collect();
    let expected: Vec<String> = emails.split(", ").map(str::to_owned).collect();
    ensure!(
        actual == expected,
        "expected users {expected:?}, got {actual:?}"
    );
    Ok(())
}

#[then(expr = "the account has modes TEST, ACCEPTANCE and LIVE, each using {word}")]
async fn three_modes(w: &mut DsWorld, method: String) -> anyhow::Result<()> {
    let reply = w
        .admin_expect(200, "GET", "/api/{account}/modes", None)
        .await?;
    let json = reply.json()?;
    let modes: Vec<(String, String)> = json["modes"]
        .as_array()
        .context("modes")?
        .iter()
        .map(|m| {
            (
                m["mode"].as_str().unwrap_or_default().to_owned(),
                m["method"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = ["TEST", "ACCEPTANCE", "LIVE"]
        .iter()
        .map(|m| (m.to_string(), method.clone()))
        .collect();
    ensure!(modes == expected, "expected {expected:?}, got {modes:?}");
    Ok(())
}

#[then(expr = "the {word} mode uses {word} with a limit of {word} failed attempts")]
async fn mode_is(
    w: &mut DsWorld,
    mode: String,
    method: String,
    limit: String,
) -> anyhow::Result<()> {
    let reply = w
        .admin_expect(200, "GET", &format!("/api/{{account}}/modes/{mode}"), None)
        .await?;
    let json = reply.json()?;
    ensure!(json["method"] == method, "method: {json}");
    let actual = match &json["max_failed_attempts"] {
        serde_json::Value::Null => "no".to_owned(),
        n => n.to_string(),
    };
    ensure!(actual == limit, "limit: expected {limit}, got {actual}");
    Ok(())
}

#[given(expr = "the {word} password policy allows {int} failed attempts")]
#[when(expr = "the administrator sets the {word} password policy to {int} failed attempts")]
async fn set_policy(w: &mut DsWorld, mode: String, max: u32) -> anyhow::Result<()> {
    w.admin_expect(
        200,
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/password-policy"),
        Some(json!({"max_failed_attempts": max})),
    )
    .await?;
    Ok(())
}

#[when(expr = "the administrator selects the method {string} for {word}")]
async fn select_method(w: &mut DsWorld, method: String, mode: String) -> anyhow::Result<()> {
    w.admin_call(
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/method"),
        Some(json!({ "method": method })),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- sessions and scope

/// Asks the SP who the default browser's session in `mode` is.
async fn probe_session(w: &mut DsWorld, mode: &str) -> anyhow::Result<super::Reply> {
    let path = format!("/live/{{account}}/session?P_mode={mode}");
    Ok(w.get("default", &path).await?.clone())
}

#[then(expr = "the browser is signed in to {word} as {string}")]
async fn signed_in(w: &mut DsWorld, mode: String, email: String) -> anyhow::Result<()> {
    let reply = probe_session(w, &mode).await?;
    ensure!(
        reply.status == 200,
        "session probe: {} {}",
        reply.status,
        reply.body
    );
    let json = reply.json()?;
    ensure!(json["mode"] == mode.as_str(), "mode: {json}");
    let actual = json["user"]["email"].as_str().unwrap_or_default();
    ensure!(
        actual.eq_ignore_ascii_case(&email),
        "signed in as {actual}, expected {email}"
    );
    Ok(())
}

#[then(expr = "the browser has no session in {word}, answered {string}")]
async fn no_session(w: &mut DsWorld, mode: String, code: String) -> anyhow::Result<()> {
    let reply = probe_session(w, &mode).await?;
    ensure!(
        reply.status == 401,
        "session probe: {} {}",
        reply.status,
        reply.body
    );
    let actual = reply.error_code()?;
    ensure!(actual == code, "expected {code}, got {actual}");
    Ok(())
}

/// The operator's way out (issue 10 item 8): the real `harness unlock` binary against the
/// running stack's store.
#[when(expr = "the operator unlocks {string} with the harness unlock command")]
async fn operator_unlocks(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let account = w.expand("{account}")?;
    let dir = w.stack.data_dir().to_owned();
    let args = [
        "--account".to_owned(),
        account,
        "--email".to_owned(),
        email.clone(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
            .arg("unlock")
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .output()
    })
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success() && stdout.contains(&format!("<{email}>")),
        "harness unlock: {} {stdout} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[then(expr = "the browser {string} has no session in {word}")]
async fn named_browser_no_session(
    w: &mut DsWorld,
    browser: String,
    mode: String,
) -> anyhow::Result<()> {
    let path = format!("/live/{{account}}/session?P_mode={mode}");
    let reply = w.get(&browser, &path).await?.clone();
    ensure!(
        reply.status == 401 && reply.error_code()? == "authentication_required",
        "session probe of {browser}: {} {}",
        reply.status,
        reply.body
    );
    Ok(())
}

/// Copies the browser's session cookie of one scope under the name of another, as an attacker
/// replaying a cookie would.
#[when(
    expr = "the browser presents its {word} session of account {string} as a {word} session of account {string}"
)]
async fn present_as(
    w: &mut DsWorld,
    from_mode: String,
    from_account: String,
    to_mode: String,
    to_account: String,
) -> anyhow::Result<()> {
    let value = w
        .session_cookie("default", &from_account, &from_mode)
        .with_context(|| format!("the browser holds no {from_mode} session of {from_account}"))?;
    w.plant_cookie(
        "default",
        &format!("DS_SESSION_{to_account}_{to_mode}"),
        &value,
    )
}

#[then(expr = "the browser holds a session cookie for {word} only")]
async fn holds_cookie_for(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    for m in ["TEST", "ACCEPTANCE", "LIVE"] {
        let held = w.session_cookie("default", &account, m).is_some();
        if held != (m == mode) {
            bail!("session cookie for {m}: held = {held}");
        }
    }
    Ok(())
}

#[then(expr = "the account id {string} is refused as {string}")]
async fn account_refused(w: &mut DsWorld, id: String, code: String) -> anyhow::Result<()> {
    // Asked through the public login page: no credentials are needed to learn an ID is unknown.
    let reply = w.get("default", &format!("/live/{id}/login")).await?;
    ensure!(reply.status == 404, "{} {}", reply.status, reply.body);
    let actual = reply.error_code()?;
    ensure!(actual == code, "expected {code}, got {actual}");
    Ok(())
}

#[when(expr = "the clock moves {int} minutes on")]
async fn clock_moves_minutes(w: &mut DsWorld, minutes: i64) {
    w.stack.clock().advance(chrono::Duration::minutes(minutes));
}

#[when(expr = "the clock moves {int} seconds on")]
async fn clock_moves_seconds(w: &mut DsWorld, seconds: i64) {
    w.stack.clock().advance(chrono::Duration::seconds(seconds));
}

#[when(expr = "the SP clock moves {int} hours on")]
async fn clock_moves(w: &mut DsWorld, hours: i64) {
    w.stack.clock().advance(chrono::Duration::hours(hours));
}

/// A grant naming a user who exists, but in another account (looked up in the store).
#[when(expr = "the administrator grants {string} to the user {string} of account {string}")]
async fn grant_to_foreign_user(
    w: &mut DsWorld,
    path: String,
    email: String,
    other: String,
) -> anyhow::Result<()> {
    let account: reference_sp::domain::AccountId = other.parse()?;
    let email_p = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (user, _) = w
        .stack
        .store()
        .call(move |c| store::user_by_email(c, &account, &email_p))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_context(|| format!("no {email} in account {other}"))?;
    let body =
        json!({"kind": "web_interface", "visibility": "named", "body": "x", "users": [user.id]});
    w.admin_call(
        "PUT",
        &format!("/api/{{account}}/resources/{path}"),
        Some(body),
    )
    .await?;
    Ok(())
}

/// A configuration the admin API would refuse (auto-provisioning outside LIVE, R-PROV-3), written
/// straight into the store as a row from before that rule, or an operator's edit, would be.
#[given(
    expr = "the store holds the {word} {word} configuration with auto-provisioning switched on"
)]
async fn stored_provisioning(w: &mut DsWorld, mode: String, method: String) -> anyhow::Result<()> {
    let account = w.account()?.parse::<reference_sp::domain::AccountId>()?;
    let mode: reference_sp::domain::ExecutionMode = mode.parse()?;
    let method_c = method.clone();
    w.stack
        .store()
        .call(move |c| match method_c.as_str() {
            "SAML" => {
                let mut cfg = store::saml::load_config(c, &account, mode)?
                    .ok_or(reference_sp::ApiError::SamlNotConfigured)?;
                cfg.auto_provisioning = true;
                store::saml::save_config(c, &account, mode, &cfg)
            }
            _ => {
                let mut cfg = store::google::load_config(c, &account, mode)?
                    .ok_or(reference_sp::ApiError::UnknownMode)?;
                cfg.auto_provisioning = true;
                store::google::save_config(c, &account, mode, &cfg)
            }
        })
        .await
        .map_err(|e| anyhow::anyhow!("{method}: {e}"))
}
