//! Generic steps: raw admin-API calls (for bad input) and assertions on the last answer.

use super::{DsWorld, Reply};
use anyhow::{Context, ensure};
use cucumber::{then, when};

#[when(expr = "the administrator sends {word} {string} with JSON {string}")]
async fn admin_json(
    w: &mut DsWorld,
    method: String,
    path: String,
    body: String,
) -> anyhow::Result<()> {
    let json: serde_json::Value = serde_json::from_str(&body).context("the step's JSON")?;
    w.admin_call(&method, &path, Some(json)).await?;
    Ok(())
}

#[when(expr = "the administrator sends {word} {string}")]
async fn admin_plain(w: &mut DsWorld, method: String, path: String) -> anyhow::Result<()> {
    w.admin_call(&method, &path, None).await?;
    Ok(())
}

/// Sends bytes as they are, for malformed bodies and wrong content types.
#[when(expr = "the administrator sends {word} {string} with content type {string} and body:")]
async fn admin_raw(
    w: &mut DsWorld,
    method: String,
    path: String,
    content_type: String,
    step: &cucumber::gherkin::Step,
) -> anyhow::Result<()> {
    let body = step.docstring.clone().context("a docstring body")?;
    send_raw(
        w,
        &method,
        &path,
        &content_type,
        body.trim().to_owned().into_bytes(),
    )
    .await
}

#[when(expr = "the administrator sends {word} {string} with a JSON body of {int} KiB")]
async fn admin_big(
    w: &mut DsWorld,
    method: String,
    path: String,
    kib: usize,
) -> anyhow::Result<()> {
    let filler = "x".repeat(kib * 1024);
    let body = serde_json::json!({"name": filler, "email": "big@contoso.com"}).to_string();
    send_raw(w, &method, &path, "application/json", body.into_bytes()).await
}

async fn send_raw(
    w: &mut DsWorld,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> anyhow::Result<()> {
    let url = w.stack.sp_url(&w.expand(path)?);
    let reply = super::plain_client()
        .request(method.parse()?, url)
        .basic_auth(super::ADMIN_EMAIL, Some(super::ADMIN_PASSWORD))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

#[when(expr = "{string} with password {string} sends {word} {string}")]
async fn user_call(
    w: &mut DsWorld,
    email: String,
    password: String,
    method: String,
    path: String,
) -> anyhow::Result<()> {
    w.api_call_as(&email, &password, &method, &path, None)
        .await?;
    Ok(())
}

#[when(expr = "{string} with password {string} sends {word} {string} with JSON {string}")]
async fn user_call_json(
    w: &mut DsWorld,
    email: String,
    password: String,
    method: String,
    path: String,
    body: String,
) -> anyhow::Result<()> {
    let json: serde_json::Value = serde_json::from_str(&body).context("the step's JSON")?;
    w.api_call_as(&email, &password, &method, &path, Some(json))
        .await?;
    Ok(())
}

#[when(expr = "an anonymous client sends {word} {string}")]
async fn anonymous_call(w: &mut DsWorld, method: String, path: String) -> anyhow::Result<()> {
    let url = w.stack.sp_url(&w.expand(&path)?);
    let reply = super::plain_client()
        .request(method.parse()?, url)
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

#[when(expr = "an anonymous client sends {word} {string} accepting {string}")]
async fn anonymous_call_accepting(
    w: &mut DsWorld,
    method: String,
    path: String,
    accept: String,
) -> anyhow::Result<()> {
    let url = w.stack.sp_url(&w.expand(&path)?);
    let reply = super::plain_client()
        .request(method.parse()?, url)
        .header("accept", accept)
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

/// An error shown as a page (R-UI-1): its status, the stable code, the message announced, and
/// the way back; the SP's strict page policy, and no Basic-auth prompt.
#[then(expr = "the answer is a {int} page with error code {string} and the way back {string}")]
async fn answer_error_page(
    w: &mut DsWorld,
    status: u16,
    code: String,
    back: String,
) -> anyhow::Result<()> {
    let back = w.expand(&back)?;
    let reply = w.expect_status(status)?;
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    ensure!(
        header("content-type").starts_with("text/html"),
        "content-type {:?}: {}",
        header("content-type"),
        reply.body
    );
    ensure!(
        header("content-security-policy") == reference_sp::PAGE_CSP,
        "content-security-policy {:?}",
        header("content-security-policy")
    );
    ensure!(
        !reply.headers.contains_key("www-authenticate"),
        "a page that asks for Basic auth"
    );
    let body = &reply.body;
    ensure!(
        body.contains(&format!("<code>{code}</code>")),
        "no code {code}: {body}"
    );
    ensure!(body.contains("role=\"alert\""), "nothing announced: {body}");
    ensure!(
        body.contains(&format!(
            "<a id=\"back\" href=\"{}\">",
            mock_kit::html::escape(&back)
        )),
        "no way back to {back}: {body}"
    );
    Ok(())
}

/// `GET <path>` on one of the scenario's servers: `SP`, `the IdP`, `Google` or `Apple`.
#[when(expr = "an anonymous client opens {string} on {word}")]
async fn open_on(w: &mut DsWorld, path: String, server: String) -> anyhow::Result<()> {
    let base = match server.as_str() {
        "SP" => w.stack.sp_url(""),
        "IdP" => w.idp()?.base_url().to_owned(),
        "Google" => w.google()?.issuer().to_owned(),
        "Apple" => w.apple()?.base_url().to_owned(),
        other => anyhow::bail!("no server {other:?}: SP, IdP, Google or Apple"),
    };
    let reply = super::plain_client()
        .get(format!("{base}{}", w.expand(&path)?))
        .header("accept", "text/html")
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

/// A page's head as every server's pages share it (R-UI-3): language, viewport, title, the
/// stylesheet and the favicon, under the page policy that lets them load.
#[then(expr = "the answer is a page titled {string} with the shared head")]
async fn shared_head(w: &mut DsWorld, title: String) -> anyhow::Result<()> {
    let reply = w.expect_status(200)?;
    let body = &reply.body;
    for part in [
        "<html lang=\"en\">".to_owned(),
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">".to_owned(),
        format!("<title>{}</title>", mock_kit::html::escape(&title)),
        "<link rel=\"stylesheet\" href=\"/style.css\">".to_owned(),
        "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">".to_owned(),
    ] {
        ensure!(body.contains(&part), "no {part} in {body}");
    }
    let csp = reply
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    ensure!(
        csp.contains("img-src 'self'") && csp.contains("style-src 'self'"),
        "the page's policy blocks its stylesheet or favicon: {csp:?}"
    );
    Ok(())
}

#[then(expr = "the answer is {int} with error code {string}")]
async fn answer_error(w: &mut DsWorld, status: u16, code: String) -> anyhow::Result<()> {
    let reply = w.expect_status(status)?;
    let actual = reply.error_code()?;
    ensure!(
        actual == code,
        "expected error code {code}, got {actual}: {}",
        reply.body
    );
    Ok(())
}

#[then(expr = "the answer is {int}")]
async fn answer_status(w: &mut DsWorld, status: u16) -> anyhow::Result<()> {
    w.expect_status(status)?;
    Ok(())
}

#[then(expr = "the answer has field {string} equal to {string}")]
async fn answer_field(w: &mut DsWorld, field: String, value: String) -> anyhow::Result<()> {
    let json = w.last()?.json()?;
    let actual = match json.pointer(&field) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => anyhow::bail!("no {field} in {json}"),
    };
    ensure!(
        actual == value,
        "{field}: expected {value:?}, got {actual:?}"
    );
    Ok(())
}

/// The answer's error message (or body) says `text`: what a person is told, not only the code.
#[then(expr = "the answer says {string}")]
async fn answer_says(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let reply = w.last()?;
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    let said = json["error"]["message"].as_str().unwrap_or(&reply.body);
    ensure!(
        said.contains(&text),
        "the answer does not say {text:?}: {said}"
    );
    Ok(())
}

#[then(expr = "the answer does not contain {string}")]
async fn answer_lacks(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let reply = w.last()?;
    ensure!(
        !reply.body.contains(&text),
        "the answer contains {text:?}: {}",
        reply.body
    );
    Ok(())
}

#[then(expr = "the answer has the header {string} equal to {string}")]
async fn header_equal(w: &mut DsWorld, name: String, value: String) -> anyhow::Result<()> {
    let value = w.expand(&value)?;
    let reply = w.last()?;
    let actual = reply
        .headers
        .get(name.as_str())
        .and_then(|v| v.to_str().ok())
        .unwrap_or("<absent>");
    anyhow::ensure!(
        actual == value,
        "{name}: expected {value:?}, got {actual:?}"
    );
    Ok(())
}

#[then(expr = "the answer has no header {string}")]
async fn header_absent(w: &mut DsWorld, name: String) -> anyhow::Result<()> {
    let reply = w.last()?;
    anyhow::ensure!(
        !reply.headers.contains_key(name.as_str()),
        "{name} is present: {:?}",
        reply.headers.get(name.as_str())
    );
    Ok(())
}

/// Bytes as a client that is not a browser may send them, answered by the SP's HTTP layer.
/// `{crlf}` is CRLF; `{repeat:N:T}` is T N times; `{headers:N}` is N headers `xI: 1`.
#[when(expr = "a raw client sends {string} to the SP")]
async fn raw_request(w: &mut DsWorld, template: String) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut text = w.expand(&template)?.replace("{crlf}", "\r\n");
    while let Some(start) = text.find("{repeat:") {
        let end = text[start..].find('}').context("unterminated {repeat:")? + start;
        let (n, piece) = text[start + 8..end]
            .split_once(':')
            .context("{repeat:N:T}")?;
        let piece = piece.repeat(n.parse()?);
        text.replace_range(start..=end, &piece);
    }
    while let Some(start) = text.find("{headers:") {
        let end = text[start..].find('}').context("unterminated {headers:")? + start;
        let n: usize = text[start + 9..end].parse()?;
        let lines: String = (0..n).map(|i| format!("x{i}: 1\r\n")).collect();
        text.replace_range(start..=end, &lines);
    }
    let addr = w.stack.sp_url("").trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    // The server may answer and close before it has read everything: that is the point.
    let _ = stream.write_all(text.as_bytes()).await;
    let mut raw = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut raw),
    )
    .await
    .context("the SP neither answered nor closed")??;
    let raw = String::from_utf8(raw)?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .context("no HTTP head in the answer")?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .context("no status line")?
        .parse()?;
    let mut headers = reqwest::header::HeaderMap::new();
    for line in lines {
        let (k, v) = line.split_once(": ").context("bad header line")?;
        headers.append(
            reqwest::header::HeaderName::from_bytes(k.as_bytes())?,
            v.parse()?,
        );
    }
    w.last = Some(Reply {
        status,
        headers,
        body: body.to_owned(),
    });
    Ok(())
}
