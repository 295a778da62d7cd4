//! Steps for SSO with SAML 2.0 against the mock IdP (R-SA-1..8, R-PROV-1..3, R-CA-1..3,
//! R-EN-1..2). The browser follows every hop itself: SP -> IdP (Redirect) -> SP ACS (POST form).

use super::{DsWorld, Reply};
use anyhow::{Context, anyhow, bail, ensure};
use base64::Engine;
use cucumber::{given, then, when};
use mock_idp::{Fault, IdpConfig, IdpUser, RegisteredApp, VendorProfile};
use protocol::saml::messages::Signing;
use serde_json::json;
use std::sync::Arc;

/// The Entra tenant (and Okta app, Google idpid) every scenario's mock IdP uses.
pub const TENANT: &str = "0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a";

fn profile(name: &str) -> anyhow::Result<VendorProfile> {
    match name {
        "entra-id" => Ok(VendorProfile::EntraId),
        "okta" => Ok(VendorProfile::Okta),
        "google-workspace" => Ok(VendorProfile::GoogleWorkspace),
        other => bail!("unknown vendor profile {other}"),
    }
}

impl DsWorld {
    pub fn idp(&self) -> anyhow::Result<&mock_idp::MockIdp> {
        self.idp.as_ref().context("no mock IdP in this scenario")
    }

    /// The SP entity ID this account uses by default.
    pub fn sp_entity_id(&self) -> anyhow::Result<String> {
        Ok(self.stack.sp_url(&format!("/live/{}", self.account()?)))
    }

    pub fn acs_url(&self, mode: &str) -> anyhow::Result<String> {
        Ok(self
            .stack
            .sp_url(&format!("/live/{}/saml/acs?P_mode={mode}", self.account()?)))
    }

    fn slo_url(&self, mode: &str) -> anyhow::Result<String> {
        Ok(self
            .stack
            .sp_url(&format!("/live/{}/saml/slo?P_mode={mode}", self.account()?)))
    }

    /// GET an absolute URL (or an SP path) with a browser.
    pub async fn get_url(&mut self, browser: &str, url: &str) -> anyhow::Result<&Reply> {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            self.stack.sp_url(url)
        };
        let b = self.browser(browser)?;
        let reply = Reply::read(b.client.get(url).send().await?).await?;
        Ok(self.last.insert(reply))
    }
}

/// The action and fields of the auto-submitting SAML form on a page.
pub(super) fn saml_form(html: &str) -> anyhow::Result<(String, Vec<(String, String)>)> {
    auto_post_form(html, "SAMLResponse")
}

use harness::forms::auto_post_form;

// ---------------------------------------------------------------- identity provider

/// An IdP of `vendor`'s profile that knows B.Simon and this account's app in `mode`.
fn b_simon_idp(w: &DsWorld, vendor: &str, mode: &str) -> anyhow::Result<IdpConfig> {
    let mut app = RegisteredApp::new(w.sp_entity_id()?, w.acs_url(mode)?);
    app.logout_url = Some(w.slo_url(mode)?);
    // The tutorial's Sign on URL, for the IdP-side starts (My Apps, "Test this application").
    // LIVE's is the tutorial's `/live/<tenant id>`; another mode names itself.
    let start = match mode {
        "LIVE" => format!("/live/{}", w.account()?),
        other => format!("/live/{}?P_mode={other}", w.account()?),
    };
    app.sign_on_url = Some(w.stack.sp_url(&start));
    Ok(IdpConfig {
        profile: profile(vendor)?,
        tenant: TENANT.into(),
        apps: vec![app],
        users: vec![IdpUser::b_simon()],
    })
}

#[given(expr = "a mock {word} identity provider with B.Simon, serving the account's {word} mode")]
async fn start_idp(w: &mut DsWorld, vendor: String, mode: String) -> anyhow::Result<()> {
    let config = b_simon_idp(w, &vendor, &mode)?;
    w.idp = Some(w.stack.start_idp(config).await?);
    w.saml_mode = Some(mode);
    Ok(())
}

/// The same IdP on 127.0.0.2 while the SP is on 127.0.0.1: for a browser, another site.
#[given(
    expr = "a mock {word} identity provider on another site with B.Simon, serving the account's {word} mode"
)]
async fn start_idp_cross_site(w: &mut DsWorld, vendor: String, mode: String) -> anyhow::Result<()> {
    let config = b_simon_idp(w, &vendor, &mode)?;
    let host = std::net::IpAddr::from([127, 0, 0, 2]);
    w.idp = Some(w.stack.start_idp_on(host, config).await?);
    w.saml_mode = Some(mode);
    Ok(())
}

#[given(expr = "the identity provider also serves the account's {word} mode")]
async fn idp_serves_mode(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    // Another mode of the same account is another reply URL of the same app.
    let (entity, acs) = (w.sp_entity_id()?, w.acs_url(&mode)?);
    let updated = w.idp()?.update_app(&entity, |app| app.reply_urls.push(acs));
    ensure!(updated, "the IdP has no app {entity}");
    Ok(())
}

#[given(expr = "the identity provider has the user {string} with email {string} and role {string}")]
async fn idp_user(
    w: &mut DsWorld,
    name: String,
    email: String,
    role: String,
) -> anyhow::Result<()> {
    let mut user = IdpUser::named(
        email.clone(),
        "Idp-Pass-2026",
        email,
        name,
        "00000000-0000-4000-8000-0000000000aa",
    );
    if !role.is_empty() {
        user.roles = vec![role];
    }
    w.idp()?.add_user(user);
    Ok(())
}

#[given(expr = "the identity provider signs {word}")]
async fn idp_signs(w: &mut DsWorld, what: String) -> anyhow::Result<()> {
    let signing = match what.as_str() {
        "the-assertion" => Signing::Assertion,
        "the-response" => Signing::Response,
        "both" => Signing::Both,
        other => bail!("unknown signing option {other}"),
    };
    let entity = w.sp_entity_id()?;
    ensure!(
        w.idp()?
            .update_app(&entity, |app| app.signing = Some(signing)),
        "no app"
    );
    Ok(())
}

#[given(expr = "the identity provider will sign in {string}")]
#[when(expr = "the identity provider will sign in {string}")]
async fn queue_login(w: &mut DsWorld, username: String) -> anyhow::Result<()> {
    w.idp()?.enqueue_login(&username)?;
    Ok(())
}

#[when(expr = "the identity provider's next Response has the fault {string}")]
async fn queue_fault(w: &mut DsWorld, fault: String) -> anyhow::Result<()> {
    let f = Fault::parse(&fault).ok_or_else(|| anyhow!("unknown fault {fault}"))?;
    w.idp()?.enqueue_fault(f)?;
    Ok(())
}

// ---------------------------------------------------------------- SP configuration

/// The body the tutorial's "Configure RunMyProcess SSO" step fills in: SSO redirect = Login URL,
/// Logout redirect = Logout URL, NameID format emailAddress, the Base64 certificate as
/// downloaded (no PEM armour), plus the IdP identifier shown beside them.
fn tutorial_config(w: &DsWorld, extra: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let idp = w.idp()?;
    let pem = idp.certificate().pem();
    let base64_only: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut body = json!({
        "sso_url": idp.sso_url(),
        "logout_url": idp.slo_url(),
        "name_id_format": protocol::saml::NAMEID_EMAIL,
        "idp_entity_id": idp.entity_id(),
        "idp_certificate": base64_only,
        // What the admin learns of the IdP: the mock's Entra profile does not sign logout
        // messages (protocols.md §3.6), Okta does.
        "idp_signs_logout_messages": idp.profile().signs_logout(),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    Ok(body)
}

async fn configure(w: &mut DsWorld, mode: &str, extra: serde_json::Value) -> anyhow::Result<()> {
    let body = tutorial_config(w, extra)?;
    w.admin_expect(
        200,
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/saml"),
        Some(body),
    )
    .await?;
    w.admin_expect(
        200,
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/method"),
        Some(json!({"method": "saml"})),
    )
    .await?;
    Ok(())
}

#[given(expr = "the administrator configures SSO with Samlv2 for {word} as the tutorial says")]
async fn configure_tutorial(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({})).await
}

#[given(expr = "the administrator configures SSO with Samlv2 for {word} with auto-provisioning")]
async fn configure_provisioning(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({"auto_provisioning": true})).await
}

#[given(
    expr = "the administrator configures SSO with Samlv2 for {word} with the account-management URL {string}"
)]
async fn configure_account_mgmt(w: &mut DsWorld, mode: String, url: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({"account_management_url": url})).await
}

#[when(
    expr = "the administrator sends the SAML configuration for {word} with {string} set to {string}"
)]
async fn configure_field(
    w: &mut DsWorld,
    mode: String,
    field: String,
    value: String,
) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_str(&value).unwrap_or(json!(value));
    let body = tutorial_config(w, json!({ field: value }))?;
    send_config(w, &mode, body).await
}

/// PUTs `body` as the SAML configuration of `mode`, whatever the answer (the step after
/// asserts it).
async fn send_config(w: &mut DsWorld, mode: &str, body: serde_json::Value) -> anyhow::Result<()> {
    w.admin_call(
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/saml"),
        Some(body),
    )
    .await?;
    Ok(())
}

/// The tutorial's configuration with `field` left out, for what the SP assumes without it.
#[when(expr = "the administrator sends the SAML configuration for {word} without {string}")]
async fn configure_without(w: &mut DsWorld, mode: String, field: String) -> anyhow::Result<()> {
    let mut body = tutorial_config(w, json!({}))?;
    if let Some(b) = body.as_object_mut() {
        ensure!(
            b.remove(&field).is_some(),
            "the tutorial's configuration has no {field}"
        );
    }
    send_config(w, &mode, body).await
}

// ---------------------------------------------------------------- the browser's hops

#[then("the browser is sent to the identity provider with an AuthnRequest")]
async fn sent_to_idp(w: &mut DsWorld) -> anyhow::Result<()> {
    let reply = w.expect_status(303)?;
    let location = reply.location()?.to_owned();
    let sso = w.idp()?.sso_url();
    let base = sso.split('?').next().unwrap_or_default().to_owned();
    ensure!(
        location.starts_with(&base),
        "redirected to {location}, not the IdP {sso}"
    );
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let got = protocol::saml::redirect::parse_query(query)?;
    ensure!(
        got.xml.contains("AuthnRequest"),
        "not an AuthnRequest: {}",
        got.xml
    );
    Ok(())
}

#[when("the browser follows the redirect to the identity provider")]
async fn follow_to_idp(w: &mut DsWorld) -> anyhow::Result<()> {
    follow_redirect(w, 303).await
}

#[when(expr = "the browser follows the redirect kept as {string} to the identity provider")]
async fn follow_kept_to_idp(w: &mut DsWorld, name: String) -> anyhow::Result<()> {
    let kept = w
        .remembered
        .get(&name)
        .with_context(|| format!("no answer kept as {name}"))?;
    ensure!(
        kept.status == 303,
        "{name} was {} {}",
        kept.status,
        kept.body
    );
    let location = kept.location()?.to_owned();
    w.get_url("default", &location).await?;
    Ok(())
}

/// The last answer must be a `status` redirect; the browser follows it.
async fn follow_redirect(w: &mut DsWorld, status: u16) -> anyhow::Result<()> {
    let location = w.expect_status(status)?.location()?.to_owned();
    w.get_url("default", &location).await?;
    Ok(())
}

/// Follows the IdP's 302 (My Apps, "Test this application") to the app's Sign on URL.
async fn follow_sign_on_url(w: &mut DsWorld) -> anyhow::Result<()> {
    follow_redirect(w, 302).await
}

/// Entra's My Apps portal: the page lists the app's tile; the tile's link is followed.
#[when("the browser opens the app's tile on the identity provider's My Apps page")]
async fn my_apps_tile(w: &mut DsWorld) -> anyhow::Result<()> {
    let base = w.idp()?.base_url().to_owned();
    let entity = w.sp_entity_id()?;
    w.get_url("default", &format!("{base}/myapps")).await?;
    let page = w.expect_status(200)?.body.clone();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("app", &entity)
        .finish();
    let href = format!("/myapps/launch?{query}");
    ensure!(
        page.contains(&format!("href=\"{href}\"")),
        "My Apps has no tile for {entity}: {page}"
    );
    w.get_url("default", &format!("{base}{href}")).await?;
    follow_sign_on_url(w).await
}

/// The Entra portal's "Test this application" (`GET /control/test-sso?app=`); its answer is
/// the last.
async fn open_test_sso(w: &mut DsWorld) -> anyhow::Result<()> {
    let base = w.idp()?.base_url().to_owned();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("app", &w.sp_entity_id()?)
        .finish();
    w.get_url("default", &format!("{base}/control/test-sso?{query}"))
        .await?;
    Ok(())
}

/// "Test this application", for an SP-initiated app: on to its Sign on URL.
#[when("the administrator tests the application from the identity provider's portal")]
async fn test_this_application(w: &mut DsWorld) -> anyhow::Result<()> {
    open_test_sso(w).await?;
    follow_sign_on_url(w).await
}

#[given("the app has no Sign on URL at the identity provider")]
async fn no_sign_on_url(w: &mut DsWorld) -> anyhow::Result<()> {
    let entity = w.sp_entity_id()?;
    let updated = w.idp()?.update_app(&entity, |app| app.sign_on_url = None);
    ensure!(updated, "the IdP has no app {entity}");
    Ok(())
}

#[when(
    "the administrator tests the application from the identity provider's portal and gets its answer"
)]
async fn test_this_application_answer(w: &mut DsWorld) -> anyhow::Result<()> {
    open_test_sso(w).await
}

#[when("the browser follows the redirect back to the SP")]
async fn follow_back(w: &mut DsWorld) -> anyhow::Result<()> {
    follow_redirect(w, 303).await
}

/// Submits the IdP's auto-posting form, as the browser's script does, and keeps it for replays.
#[when("the browser posts the identity provider's form to the SP")]
async fn post_form(w: &mut DsWorld) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let form = saml_form(&page)?;
    w.saml_post = Some(form.clone());
    post_saml(w, "default", form).await
}

async fn post_saml(
    w: &mut DsWorld,
    browser: &str,
    (action, fields): (String, Vec<(String, String)>),
) -> anyhow::Result<()> {
    let b = w.browser(browser)?;
    let reply = Reply::read(b.client.post(action).form(&fields).send().await?).await?;
    w.last = Some(reply);
    Ok(())
}

/// The whole SP-initiated flow for a queued IdP user: open `path`, go to the IdP, come back
/// with the Response. The last answer is the SP's answer to the Response.
#[when(expr = "{string} signs in through the identity provider to {string}")]
async fn full_sign_in(w: &mut DsWorld, username: String, path: String) -> anyhow::Result<()> {
    w.idp()?.enqueue_login(&username)?;
    w.get("default", &path).await?;
    sent_to_idp(w).await?;
    follow_to_idp(w).await?;
    post_form(w).await
}

/// As far as the IdP's auto-posting form, which is the last answer.
#[when(
    expr = "{string} signs in at the identity provider from {string} and the browser stops at its form"
)]
async fn stop_at_idp_form(w: &mut DsWorld, username: String, path: String) -> anyhow::Result<()> {
    w.idp()?.enqueue_login(&username)?;
    w.get("default", &path).await?;
    sent_to_idp(w).await?;
    follow_to_idp(w).await?;
    w.expect_status(200)?;
    Ok(())
}

#[when(expr = "the browser opens {string} and the identity provider answers by itself")]
async fn sign_in_with_idp_session(w: &mut DsWorld, path: String) -> anyhow::Result<()> {
    w.get("default", &path).await?;
    sent_to_idp(w).await?;
    follow_to_idp(w).await?;
    post_form(w).await
}

#[when(expr = "the browser opens {string} and the identity provider shows its login page")]
async fn idp_login_page(w: &mut DsWorld, path: String) -> anyhow::Result<()> {
    w.get("default", &path).await?;
    sent_to_idp(w).await?;
    follow_to_idp(w).await?;
    let reply = w.expect_status(200)?;
    ensure!(
        reply.body.contains("Sign in to your account"),
        "no IdP login page: {}",
        reply.body
    );
    Ok(())
}

#[then(expr = "the identity provider shows the error {string}")]
async fn idp_error(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    let reply = w.expect_status(400)?;
    ensure!(
        reply.body.contains(&format!("data-code=\"{code}\"")),
        "IdP page without {code}: {}",
        reply.body
    );
    Ok(())
}

#[when("the browser posts the same SAML Response again")]
async fn replay(w: &mut DsWorld) -> anyhow::Result<()> {
    let form = w.saml_post.clone().context("no SAML Response was posted")?;
    post_saml(w, "default", form).await
}

#[when("another browser posts the identity provider's form to the SP")]
async fn other_browser_posts(w: &mut DsWorld) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let form = saml_form(&page)?;
    post_saml(w, "other", form).await
}

/// Alters the Response the IdP posted before it reaches the SP.
#[when(expr = "the browser posts the identity provider's form with {string} replaced by {string}")]
async fn tamper(w: &mut DsWorld, from: String, to: String) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let (action, mut fields) = saml_form(&page)?;
    let engine = base64::engine::general_purpose::STANDARD;
    for (name, value) in fields.iter_mut() {
        if name == "SAMLResponse" {
            let xml = String::from_utf8(engine.decode(value.as_bytes())?)?;
            ensure!(
                xml.contains(&from),
                "the Response does not contain {from:?}"
            );
            *value = engine.encode(xml.replacen(&from, &to, 1));
        }
    }
    post_saml(w, "default", (action, fields)).await
}

/// Wraps a second, unsigned assertion into the Response (a signature-wrapping attempt).
#[when("the browser posts the identity provider's form with a second, forged assertion added")]
async fn wrap(w: &mut DsWorld) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let (action, mut fields) = saml_form(&page)?;
    let engine = base64::engine::general_purpose::STANDARD;
    for (name, value) in fields.iter_mut() {
        if name == "SAMLResponse" {
            let xml = String::from_utf8(engine.decode(value.as_bytes())?)?;
            let forged = "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_forged\" Version=\"2.0\" IssueInstant=\"2026-01-05T09:00:00Z\"><Issuer>x</Issuer><Subject><NameID>admin@contoso.com</NameID></Subject></Assertion>";
            let at = xml
                .rfind("</samlp:Response>")
                .context("no Response end tag")?;
            let mut forged_xml = xml.clone();
            forged_xml.insert_str(at, forged);
            *value = engine.encode(forged_xml);
        }
    }
    post_saml(w, "default", (action, fields)).await
}

/// A Response nobody asked for, signed with the IdP's own key (IdP-initiated SSO).
#[when("an unsolicited Response for B.Simon is posted to the LIVE ACS")]
async fn unsolicited(w: &mut DsWorld) -> anyhow::Result<()> {
    use chrono::Duration;
    use protocol::saml::messages::*;
    let now = protocol::Clock::now(w.stack.clock());
    let idp = w.idp()?;
    let acs = w.acs_url("LIVE")?;
    let issuer = Issuer::new(idp.entity_id());
    let response = Response {
        id: "_unsolicited".into(),
        issue_instant: now,
        destination: Some(acs.clone()),
        in_response_to: None,
        issuer: issuer.clone(),
        status: Status::success(),
        assertion: Some(Assertion {
            id: "_unsolicited_a".into(),
            issue_instant: now,
            issuer,
            name_id: Some(NameId {
                value: "B.Simon@contoso.com".into(),
                format: Some(protocol::saml::NAMEID_EMAIL.into()),
            }),
            confirmation: Confirmation {
                in_response_to: None,
                not_on_or_after: Some(now + Duration::minutes(5)),
                recipient: Some(acs.clone()),
            },
            conditions: Conditions {
                not_before: Some(now - Duration::minutes(5)),
                not_on_or_after: Some(now + Duration::minutes(60)),
                audiences: vec![w.sp_entity_id()?],
            },
            attributes: Vec::new(),
            authn: AuthnStatement {
                instant: now,
                session_index: None,
                session_not_on_or_after: None,
                class_ref: protocol::saml::AC_PASSWORD.into(),
            },
        }),
    };
    let xml = response.to_xml(
        &Style::ENTRA,
        Signing::Assertion,
        &protocol::fixtures::Fixture::IdpEntra.signing_key(),
    )?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(xml);
    post_saml(w, "default", (acs, vec![("SAMLResponse".into(), encoded)])).await
}

#[given("the identity provider signs its logout messages")]
async fn idp_signs_logout(w: &mut DsWorld) -> anyhow::Result<()> {
    let entity = w.sp_entity_id()?;
    let updated = w
        .idp()?
        .update_app(&entity, |app| app.sign_logout = Some(true));
    ensure!(updated, "the IdP has no app {entity}");
    Ok(())
}

#[given(expr = "the administrator requires signed logout messages for {word}")]
async fn require_signed_logout(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({"idp_signs_logout_messages": true})).await
}

#[when(expr = "the identity provider's next logout message has the fault {string}")]
async fn queue_logout_fault(w: &mut DsWorld, fault: String) -> anyhow::Result<()> {
    queue_fault(w, fault).await
}

/// The mock's control call for IdP-initiated logout, then the browser follows the
/// LogoutRequest to the SP, as a browser redirected by Entra would.
/// The URL of an IdP-initiated LogoutRequest for `username` (Redirect binding), from the mock's
/// control API, for a browser to follow.
pub(super) async fn idp_logout_url(w: &DsWorld, username: &str) -> anyhow::Result<String> {
    let url = format!("{}/control/logout", w.idp()?.base_url());
    let reply = super::plain_client()
        .post(url)
        .json(&json!({ "username": username }))
        .send()
        .await?;
    ensure!(reply.status() == 200, "control logout: {}", reply.status());
    let body: serde_json::Value = reply.json().await?;
    Ok(body["url"].as_str().context("no url")?.to_owned())
}

#[when(expr = "the identity provider signs {string} out of every app")]
async fn idp_initiated_logout(w: &mut DsWorld, username: String) -> anyhow::Result<()> {
    let to = idp_logout_url(w, &username).await?;
    w.saml_logout_url = Some(to.clone());
    w.get_url("default", &to).await?;
    Ok(())
}

/// As above with the HTTP-POST binding: the browser submits the IdP's auto-posting form.
#[when(expr = "the identity provider signs {string} out of every app by POST")]
async fn idp_initiated_logout_post(w: &mut DsWorld, username: String) -> anyhow::Result<()> {
    let url = format!("{}/control/logout", w.idp()?.base_url());
    let reply = super::plain_client()
        .post(url)
        .json(&json!({ "username": username, "binding": "post" }))
        .send()
        .await?;
    ensure!(reply.status() == 200, "control logout: {}", reply.status());
    let body: serde_json::Value = reply.json().await?;
    let html = body["form"].as_str().context("no form")?;
    let (action, fields) = auto_post_form(html, "SAMLRequest")?;
    post_saml(w, "default", (action, fields)).await
}

#[when("the IdP's LogoutRequest is replayed to the SP")]
async fn replay_idp_logout(w: &mut DsWorld) -> anyhow::Result<()> {
    let to = w.saml_logout_url.clone().context("no LogoutRequest yet")?;
    w.get_url("default", &to).await?;
    Ok(())
}

#[then(expr = "the identity provider received a LogoutResponse from the SP, {word}")]
async fn idp_got_logout_response(w: &mut DsWorld, signed: String) -> anyhow::Result<()> {
    let log = w.idp()?.received();
    let answer = log
        .iter()
        .rev()
        .find(|m| m.direction == mock_idp::Direction::Received && m.kind == "LogoutResponse")
        .context("the IdP received no LogoutResponse")?;
    let doc = protocol::saml::xml::parse(&answer.xml)?;
    ensure!(
        doc.root_element().attribute("InResponseTo").is_some(),
        "no InResponseTo: {}",
        answer.xml
    );
    match signed.as_str() {
        "signed" => ensure!(answer.sig_alg.is_some(), "unsigned: {answer:?}"),
        "unsigned" => ensure!(answer.sig_alg.is_none(), "signed: {answer:?}"),
        other => bail!("signed or unsigned, not {other}"),
    }
    Ok(())
}

#[then(expr = "the SP refuses the Response with {string}, saying {string}")]
async fn refused_saying(w: &mut DsWorld, code: String, says: String) -> anyhow::Result<()> {
    w.expect_refusal(&code)?;
    let body = &w.last()?.body;
    ensure!(
        body.contains(&says),
        "the refusal does not say {says:?}: {body}"
    );
    Ok(())
}

#[then(expr = "the SP refuses the Response with {string}")]
async fn refused(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    w.expect_refusal(&code)
}

#[then(expr = "the identity provider received a LogoutRequest for {string}")]
async fn idp_got_logout(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let log = w.idp()?.received();
    let request = log
        .iter()
        .rev()
        .find(|m| m.kind == "LogoutRequest")
        .context("the IdP received no LogoutRequest")?;
    ensure!(
        request.xml.contains(&format!(">{email}</")),
        "LogoutRequest without {email}: {}",
        request.xml
    );
    Ok(())
}

#[then(expr = "the identity provider received {int} AuthnRequest(s)")]
async fn idp_request_count(w: &mut DsWorld, n: usize) -> anyhow::Result<()> {
    let count = w
        .idp()?
        .received()
        .iter()
        .filter(|m| m.kind == "AuthnRequest")
        .count();
    ensure!(
        count == n,
        "the IdP received {count} AuthnRequests, expected {n}"
    );
    Ok(())
}

// ---------------------------------------------------------------- composite APIs

#[given(expr = "a composite API bound to {string} that answers {int}")]
async fn composite_api(w: &mut DsWorld, event: String, status: u16) -> anyhow::Result<()> {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = match w.composite.take() {
        Some(s) => s,
        None => MockServer::start().await,
    };
    Mock::given(method("POST"))
        .and(path(format!("/composite/{event}")))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    let url = format!("{}/composite/{event}", server.uri());
    w.composite = Some(server);
    bind_trigger(w, &event, &url).await
}

#[given(expr = "a composite API bound to {string} that takes {int} seconds to answer")]
async fn slow_composite_api(w: &mut DsWorld, event: String, seconds: u64) -> anyhow::Result<()> {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(seconds)))
        .mount(&server)
        .await;
    let url = format!("{}/composite/{event}", server.uri());
    if let Some(previous) = w.composite.replace(server) {
        // MockServer blocks in Drop; never on a runtime worker (see features.rs).
        tokio::task::spawn_blocking(move || drop(previous)).await?;
    }
    bind_trigger(w, &event, &url).await
}

#[given("an SP that waits up to 30 seconds for composite APIs")]
async fn patient_sp(w: &mut DsWorld) -> anyhow::Result<()> {
    ensure!(
        w.account.is_none(),
        "this step must come before the account is created"
    );
    w.stack = harness::Stack::start_with(|s| {
        s.composite_timeout = std::time::Duration::from_secs(30);
    })
    .await?;
    Ok(())
}

/// A composite API that takes the call and answers only when the scenario releases it.
#[given(expr = "a composite API bound to {string} that holds its answer until released")]
async fn held_composite_api(w: &mut DsWorld, event: String) -> anyhow::Result<()> {
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let received = Arc::new(tokio::sync::watch::Sender::new(0usize));
    let (r, n) = (Arc::clone(&release), Arc::clone(&received));
    let router = axum::Router::new().fallback(move || {
        let (r, n) = (Arc::clone(&r), Arc::clone(&n));
        async move {
            n.send_modify(|c| *c += 1);
            let _ = r.acquire().await;
            "ok"
        }
    });
    let listener = mock_kit::Server::bind("127.0.0.1:0".parse()?).await?;
    let server = mock_kit::Server::spawn(listener, router, "held composite API")?;
    let url = format!("http://{}/composite/{event}", server.addr());
    w.held_composite = Some(super::HeldApi {
        _server: server,
        release,
        received,
    });
    bind_trigger(w, &event, &url).await
}

/// R-CA-3 observed without timing: the sign-in must finish while the API still holds its
/// answer (a bound, not a measurement: an SP that waited would never finish).
#[when(
    expr = "{string} signs in through the identity provider to {string} while the composite API holds its answer"
)]
async fn sign_in_while_held(w: &mut DsWorld, username: String, path: String) -> anyhow::Result<()> {
    let done = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        full_sign_in(w, username, path),
    )
    .await;
    ensure!(done.is_ok(), "the sign-in waited for the composite API");
    done.unwrap_or(Ok(()))
}

#[then("the composite API has the call but has not answered, and nothing is recorded yet")]
async fn held_call_pending(w: &mut DsWorld) -> anyhow::Result<()> {
    let held = w.held_composite.as_ref().context("no held composite API")?;
    let mut seen = held.received.subscribe();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        seen.wait_for(|n| *n >= 1),
    )
    .await
    .context("the composite API was never called")??;
    let account: reference_sp::domain::AccountId = w.account()?.parse()?;
    let calls = w
        .stack
        .store()
        .call(move |c| reference_sp::signin::composite::list(c, &account))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    ensure!(calls.is_empty(), "already recorded: {calls:?}");
    Ok(())
}

#[when("the composite API is released")]
async fn release_composite(w: &mut DsWorld) -> anyhow::Result<()> {
    let held = w.held_composite.as_ref().context("no held composite API")?;
    held.release.add_permits(1024);
    Ok(())
}

#[given(expr = "a composite API bound to {string} that cannot be reached")]
async fn unreachable_composite_api(w: &mut DsWorld, event: String) -> anyhow::Result<()> {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    bind_trigger(
        w,
        &event,
        &format!("http://127.0.0.1:{port}/composite/{event}"),
    )
    .await
}

async fn bind_trigger(w: &mut DsWorld, event: &str, url: &str) -> anyhow::Result<()> {
    let current = w
        .admin_call("GET", "/api/{account}/composite-triggers", None)
        .await?
        .json()?;
    let mut body = current.as_object().cloned().unwrap_or_default();
    body.insert(event.to_owned(), json!(url));
    w.admin_expect(
        200,
        "PUT",
        "/api/{account}/composite-triggers",
        Some(body.into()),
    )
    .await?;
    Ok(())
}

/// Waits (event-driven, bounded) until `n` composite-API calls are recorded, and returns them.
async fn recorded_calls(w: &mut DsWorld, n: usize) -> anyhow::Result<Vec<serde_json::Value>> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let state = w.stack.sp_state().clone();
        let notified = state.composite_done().notified();
        let reply = w
            .admin_call("GET", "/api/{account}/composite-calls", None)
            .await?;
        let calls = reply.json()?["calls"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if calls.len() >= n {
            return Ok(calls);
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            bail!(
                "only {} composite-API call(s) recorded, expected {n}",
                calls.len()
            );
        }
    }
}

#[then(expr = "the composite API for {string} received exactly:")]
async fn composite_payload(
    w: &mut DsWorld,
    event: String,
    step: &cucumber::gherkin::Step,
) -> anyhow::Result<()> {
    let expected_text = w.expand(step.docstring.as_deref().context("a JSON docstring")?)?;
    let expected: serde_json::Value = serde_json::from_str(&expected_text)?;
    recorded_calls(w, 1).await?;
    let server = w.composite.as_ref().context("no composite API")?;
    let requests = server
        .received_requests()
        .await
        .context("request recording is off")?;
    let request = requests
        .iter()
        .find(|r| r.url.path() == format!("/composite/{event}"))
        .with_context(|| format!("the composite API for {event} was not called"))?;
    let actual: serde_json::Value = serde_json::from_slice(&request.body)?;
    ensure!(
        actual == expected,
        "payload differs:\nexpected {expected:#}\nactual   {actual:#}"
    );
    Ok(())
}

#[then(expr = "the composite-API call for {string} is recorded as {string} with error {string}")]
async fn composite_recorded(
    w: &mut DsWorld,
    event: String,
    outcome: String,
    error: String,
) -> anyhow::Result<()> {
    let calls = recorded_calls(w, 1).await?;
    let call = calls
        .iter()
        .find(|c| c["event"] == event.as_str())
        .with_context(|| format!("no call for {event}: {calls:?}"))?;
    ensure!(call["outcome"] == outcome.as_str(), "outcome: {call}");
    let actual = call["error"].as_str().unwrap_or("");
    // Exact, except that `text*` accepts an operating-system detail after `text`.
    let matches = match error.strip_suffix('*') {
        Some(prefix) => !prefix.is_empty() && actual.starts_with(prefix),
        None => actual == error,
    };
    ensure!(matches, "error: expected {error:?}, got {actual:?}");
    Ok(())
}

#[then("no composite API was called")]
async fn no_composite(w: &mut DsWorld) -> anyhow::Result<()> {
    // First, the sign-in's background work has demonstrably finished (the SP's task counters),
    // then neither the server nor the record saw a call.
    let state = w.stack.sp_state().clone();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let notified = state.composite_done().notified();
        if state.composite_idle() {
            break;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            bail!("the SP's composite-API work did not finish");
        }
    }
    if let Some(server) = w.composite.as_ref() {
        let n = server
            .received_requests()
            .await
            .map(|r| r.len())
            .unwrap_or(0);
        ensure!(n == 0, "the composite API was called {n} time(s)");
    }
    let reply = w
        .admin_call("GET", "/api/{account}/composite-calls", None)
        .await?;
    let calls = reply.json()?["calls"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(calls.is_empty(), "recorded calls: {calls:?}");
    Ok(())
}

#[when(
    expr = "the administrator configures SAML for {word} with the SP entity ID of account {string}"
)]
async fn configure_taken_entity(
    w: &mut DsWorld,
    mode: String,
    other: String,
) -> anyhow::Result<()> {
    let entity = w.stack.sp_url(&format!("/live/{other}"));
    put_saml(w, &mode, json!({ "sp_entity_id": entity })).await
}

/// PUTs the tutorial's SAML configuration of `mode` with `extra` over it; the answer is the
/// last, whatever it is.
async fn put_saml(w: &mut DsWorld, mode: &str, extra: serde_json::Value) -> anyhow::Result<()> {
    let body = tutorial_config(w, extra)?;
    w.admin_call(
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/saml"),
        Some(body),
    )
    .await?;
    Ok(())
}

/// Outstanding SAML requests the store holds for the account: bounded, because every new
/// request forgets the expired ones first (R-SA-6).
#[then(expr = "the store holds {int} outstanding SAML request(s) for the account")]
async fn outstanding_requests(w: &mut DsWorld, expected: i64) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    let held: i64 = w
        .stack
        .store()
        .call(move |c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM saml_requests WHERE account_id = ?1",
                [&account],
                |r| r.get(0),
            )?)
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(
        held == expected,
        "{held} outstanding requests, expected {expected}"
    );
    Ok(())
}

// ------------------------------------------------------------ certificate rollover (R-SA-11)

/// PUTs the tutorial's configuration with `certs` (PEM, one after another) as the IdP's.
async fn configure_certificates(w: &mut DsWorld, mode: &str, certs: String) -> anyhow::Result<()> {
    put_saml(w, mode, json!({ "idp_certificate": certs })).await
}

/// The signing certificates the IdP's metadata publishes now, in its order.
async fn metadata_certificates(
    w: &mut DsWorld,
) -> anyhow::Result<Vec<protocol::keys::Certificate>> {
    let url = w.idp()?.metadata_url();
    let text = super::plain_client().get(url).send().await?.text().await?;
    let doc = protocol::saml::xml::parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    doc.descendants()
        .filter(|n| n.tag_name().name() == "X509Certificate")
        .map(|n| {
            let b64: String = n.text().unwrap_or_default().split_whitespace().collect();
            Ok(protocol::keys::Certificate::from_text(&b64)?)
        })
        .collect()
}

#[when(
    expr = "the administrator takes every certificate of the identity provider's metadata for {word}"
)]
async fn take_metadata_certificates(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let certs: String = metadata_certificates(w)
        .await?
        .iter()
        .map(|c| c.pem())
        .collect();
    configure_certificates(w, &mode, certs).await
}

#[when(expr = "the administrator keeps only the identity provider's next certificate for {word}")]
async fn keep_only_next(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let next = w
        .idp_next_certificate
        .clone()
        .context("no next certificate published")?;
    configure_certificates(w, &mode, next.pem()).await
}

#[then(expr = "the identity provider's metadata publishes {int} signing certificate(s)")]
async fn metadata_publishes(w: &mut DsWorld, n: usize) -> anyhow::Result<()> {
    let got = metadata_certificates(w).await?.len();
    ensure!(got == n, "the metadata publishes {got}");
    Ok(())
}

/// Entra's rollover, one step at a time: the next key is made now (rcgen).
#[when(expr = "the identity provider {word} its next certificate")]
async fn idp_rollover(w: &mut DsWorld, action: String) -> anyhow::Result<()> {
    let step = match action.as_str() {
        "publishes" => mock_idp::RolloverStep::Publish,
        "activates" => mock_idp::RolloverStep::Activate,
        "retires" => mock_idp::RolloverStep::Retire,
        other => anyhow::bail!("no rollover step {other:?}"),
    };
    let cert = w.idp()?.roll_over(step, None)?;
    w.idp_next_certificate = Some(cert);
    Ok(())
}

/// The tutorial's configuration with a certificate made with rcgen for the IdP's own key,
/// valid a year from `start`.
async fn configure_dated(
    w: &mut DsWorld,
    mode: &str,
    start: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let key = protocol::keys::RequestSigningKey::from_pem(
        protocol::fixtures::Fixture::IdpEntra.key_pem(),
    )?;
    let made =
        key.self_signed_certificate("Microsoft Azure Federated SSO Certificate", start, 365)?;
    configure_certificates(w, mode, made.certificate.pem()).await
}

#[when(
    expr = "the administrator configures SSO for {word} with an IdP certificate that ends in {int} days"
)]
async fn configure_ending(w: &mut DsWorld, mode: String, days: i64) -> anyhow::Result<()> {
    configure_dated(
        w,
        &mode,
        harness::epoch() - chrono::Duration::days(365 - days),
    )
    .await
}

#[when("the browser forgets its cookies")]
async fn forget_cookies(w: &mut DsWorld) -> anyhow::Result<()> {
    w.browsers.remove("default");
    Ok(())
}

#[then(expr = "the SAML configuration lists {int} IdP certificate(s) and {int} warning(s)")]
async fn lists_certificates(w: &mut DsWorld, certs: usize, warnings: usize) -> anyhow::Result<()> {
    let reply = w.expect_status(200)?;
    let v: serde_json::Value = serde_json::from_str(&reply.body)?;
    let listed = v["idp_certificates"]
        .as_array()
        .context("no idp_certificates")?;
    ensure!(
        listed.len() == certs,
        "{} certificates: {}",
        listed.len(),
        reply.body
    );
    for c in listed {
        for field in ["subject", "sha256_fingerprint", "not_before", "not_after"] {
            ensure!(
                c[field].as_str().is_some_and(|s| !s.is_empty()),
                "no {field}: {c}"
            );
        }
        ensure!(c["days_left"].is_i64(), "no days_left: {c}");
    }
    let got = v["warnings"].as_array().context("no warnings")?.len();
    ensure!(got == warnings, "{got} warnings: {}", reply.body);
    Ok(())
}

#[then(expr = "the IdP certificate listed {int} is the identity provider's {word} one")]
async fn listed_fingerprint(w: &mut DsWorld, n: usize, which: String) -> anyhow::Result<()> {
    let cert = match which.as_str() {
        "current" => protocol::fixtures::Fixture::IdpEntra.certificate(),
        "next" => w
            .idp_next_certificate
            .clone()
            .context("no next certificate")?,
        other => anyhow::bail!("no {other} certificate"),
    };
    let want = cert.facts()?.sha256_fingerprint;
    let v: serde_json::Value = serde_json::from_str(&w.last()?.body)?;
    let got = v["idp_certificates"][n - 1]["sha256_fingerprint"]
        .as_str()
        .unwrap_or_default();
    ensure!(got == want, "certificate {n}: {got}, expected {want}");
    Ok(())
}

#[when(
    expr = "the administrator configures SSO for {word} with an IdP certificate that starts in {int} days"
)]
async fn configure_starting(w: &mut DsWorld, mode: String, days: i64) -> anyhow::Result<()> {
    configure_dated(w, &mode, harness::epoch() + chrono::Duration::days(days)).await
}

#[then(expr = "the warning says {string}")]
async fn warning_says(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_str(&w.last()?.body)?;
    let warning = v["warnings"][0].as_str().unwrap_or_default();
    ensure!(warning.contains(&text), "warning: {warning:?}");
    Ok(())
}

#[then(expr = "the warning says the certificate ends in {int} days")]
async fn warning_days(w: &mut DsWorld, days: i64) -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_str(&w.last()?.body)?;
    let warning = v["warnings"][0].as_str().unwrap_or_default();
    ensure!(
        warning.contains(&format!("in {days} days")),
        "warning: {warning:?}"
    );
    ensure!(v["idp_certificates"][0]["days_left"] == days, "{v}");
    Ok(())
}
