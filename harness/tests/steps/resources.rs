//! Steps for resources, applications and custom login pages (R-ACC-3, R-ACC-5, R-PW-6).

use super::DsWorld;
use anyhow::{Context, ensure};
use cucumber::{given, then, when};
use serde_json::json;

/// A customer's own login page: a plain form posting to the SP's login endpoint of `mode`.
fn login_form_html(account: &str, mode: &str, title: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body><h1>{title}</h1>\
         <form method=\"post\" action=\"/live/{account}/login?P_mode={mode}\">\
         <label>Email <input name=\"email\"></label>\
         <label>Password <input type=\"password\" name=\"password\"></label>\
         <button>Go</button></form></body></html>"
    )
}

async fn publish(w: &mut DsWorld, path: &str, body: serde_json::Value) -> anyhow::Result<()> {
    w.admin_expect(
        200,
        "PUT",
        &format!("/api/{{account}}/resources/{path}"),
        Some(body),
    )
    .await?;
    Ok(())
}

#[given(
    expr = "the administrator uploads a public HTML file {string} with a login form for {word}"
)]
async fn upload_login_file(w: &mut DsWorld, path: String, mode: String) -> anyhow::Result<()> {
    let body = login_form_html(w.account()?, &mode, "Contoso uploaded login");
    publish(
        w,
        &path,
        json!({"kind": "file", "visibility": "public", "content_type": "text/html", "body": body}),
    )
    .await
}

#[given(
    expr = "the administrator publishes a public web interface {string} with a login form for {word}"
)]
async fn publish_login_wi(w: &mut DsWorld, path: String, mode: String) -> anyhow::Result<()> {
    let body = login_form_html(w.account()?, &mode, "Contoso web interface login");
    publish(
        w,
        &path,
        json!({"kind": "web_interface", "visibility": "public", "body": body}),
    )
    .await
}

#[given(expr = "the administrator uploads a public file {string} containing {string}")]
async fn upload_public(w: &mut DsWorld, path: String, text: String) -> anyhow::Result<()> {
    publish(
        w,
        &path,
        json!({"kind": "file", "visibility": "public", "content_type": "text/plain", "body": text}),
    )
    .await
}

#[given(expr = "the administrator publishes an application {string} open to everybody")]
async fn app_everybody(w: &mut DsWorld, path: String) -> anyhow::Result<()> {
    let body = format!("<h1>application {path}</h1>");
    publish(
        w,
        &path,
        json!({"kind": "web_interface", "visibility": "everybody", "body": body}),
    )
    .await
}

#[given(expr = "the administrator publishes an application {string} open to {string} only")]
async fn app_named(w: &mut DsWorld, path: String, email: String) -> anyhow::Result<()> {
    let id = w.user_id(&email).await?;
    let body = format!("<h1>application {path}</h1>");
    publish(
        w,
        &path,
        json!({"kind": "web_interface", "visibility": "named", "body": body, "users": [id]}),
    )
    .await
}

#[given(expr = "the {word} login page is {string}")]
#[when(expr = "the administrator sets the {word} login page to {string}")]
async fn set_login_page(w: &mut DsWorld, mode: String, path: String) -> anyhow::Result<()> {
    w.admin_call(
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/login-page"),
        Some(json!({ "path": path })),
    )
    .await?;
    Ok(())
}

#[when(expr = "the browser opens {string}")]
async fn open(w: &mut DsWorld, path: String) -> anyhow::Result<()> {
    w.get("default", &path).await?;
    Ok(())
}

#[when(expr = "the browser {string} opens {string}")]
async fn named_open(w: &mut DsWorld, browser: String, path: String) -> anyhow::Result<()> {
    w.get(&browser, &path).await?;
    Ok(())
}

#[when("the browser follows the redirect")]
async fn follow(w: &mut DsWorld) -> anyhow::Result<()> {
    let location = w.last()?.location()?.to_owned();
    ensure!(
        location.starts_with('/'),
        "redirect leaves the SP: {location}"
    );
    w.get("default", &location).await?;
    Ok(())
}

#[then(expr = "the browser is redirected to {string}")]
async fn redirected(w: &mut DsWorld, target: String) -> anyhow::Result<()> {
    let target = w.expand(&target)?;
    let reply = w.expect_status(303)?;
    let location = reply.location()?;
    ensure!(
        location == target,
        "redirected to {location}, expected {target}"
    );
    Ok(())
}

#[then(expr = "the page is shown and contains {string}")]
async fn page_contains(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let text = w.expand(&text)?;
    let reply = w.expect_status(200)?;
    ensure!(
        reply.body.contains(&text),
        "page without {text:?}: {}",
        reply.body
    );
    Ok(())
}

/// Submits the first form of the page the browser shows, as a person would: to the form's own
/// action, with its method, filling `email` and `password`.
#[when(expr = "the browser submits the page's form with email {string} and password {string}")]
async fn submit_form(w: &mut DsWorld, email: String, password: String) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let form = page.find("<form").context("no form on the page")?;
    let tag_end = page[form..].find('>').context("unterminated form tag")? + form;
    let tag = &page[form..tag_end];
    ensure!(
        tag.contains("method=\"post\""),
        "the form does not POST: {tag}"
    );
    let action = tag
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the form has no action")?
        .replace("&amp;", "&");
    let mut fields = vec![
        ("email".to_owned(), email),
        ("password".to_owned(), password),
    ];
    // Hidden inputs travel with the form (the standard page carries `next` this way).
    for input in page.split("<input").skip(1) {
        let input = input.split('>').next().unwrap_or_default();
        if input.contains("type=\"hidden\"") {
            let attr = |name: &str| {
                input
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .map(|v| v.replace("&amp;", "&").replace("&quot;", "\""))
            };
            if let (Some(name), Some(value)) = (attr("name"), attr("value")) {
                fields.push((name, value));
            }
        }
    }
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    w.post_form("default", &action, &form).await?;
    Ok(())
}
