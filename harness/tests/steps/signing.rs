//! Steps for the customer's own request-signing keys (R-SG-1..4): the Atom certificate API, and
//! what the strict mock IdP sees.

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, DsWorld, Reply};
use anyhow::{Context, bail, ensure};
use cucumber::{given, then, when};
use protocol::fixtures::Fixture;

fn fixture(name: &str) -> anyhow::Result<Fixture> {
    match name {
        "sp-contoso" => Ok(Fixture::SpContoso),
        "sp-contoso-next" => Ok(Fixture::SpContosoNext),
        "idp-untrusted" => Ok(Fixture::IdpUntrusted),
        other => bail!("unknown fixture {other}"),
    }
}

/// The feed of the DigitalSuite documentation, with `categories` and the key in `<content>`.
fn feed(categories: &[(&str, &str)], content: Option<&str>, doctype: &str) -> String {
    let cats: String = categories
        .iter()
        .map(|(t, l)| format!("  <category term=\"{t}\" label=\"{l}\" />\n"))
        .collect();
    let content = content
        .map(|c| format!("  <content type=\"text\">{c}</content>\n"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doctype}\
         <feed xml:base=\"https://live.runmyprocess.com/\" xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" \
         xmlns=\"http://www.w3.org/2005/Atom\" xmlns:p=\"http://www.runmyprocess.com/library/\">\n\
         <generator uri=\"http://www.runmyprocess.com\">(c) RunMyProcess</generator>\n\
         <title>My AuthN Certificate</title>\n{cats}{content}</feed>\n"
    )
}

/// The feed of the documentation's example: sp-contoso's key for SAML_AUTH in LIVE.
fn valid_feed() -> String {
    feed(
        &categories("SAML_AUTH", "LIVE"),
        Some(Fixture::SpContoso.key_pem()),
        "",
    )
}

/// The administrator PUTs `body` as an Atom feed.
async fn admin_puts(w: &mut DsWorld, body: String) -> anyhow::Result<()> {
    put_feed(
        w,
        (ADMIN_EMAIL, ADMIN_PASSWORD),
        body,
        "application/atom+xml",
    )
    .await
}

fn categories<'a>(operation: &'a str, mode: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("hash", "SHA256"),
        ("encryption", "RSA"),
        ("operation", operation),
        ("format", "PEM"),
        ("mode", mode),
    ]
}

async fn put_feed(
    w: &mut DsWorld,
    credentials: (&str, &str),
    body: String,
    content_type: &str,
) -> anyhow::Result<()> {
    let url = w.stack.sp_url(&w.expand("/config/{account}/certificate")?);
    let reply = super::plain_client()
        .put(url)
        .basic_auth(credentials.0, Some(credentials.1))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

async fn upload(
    w: &mut DsWorld,
    credentials: (&str, &str),
    operation: &str,
    key: &str,
    mode: &str,
    with_cert: bool,
) -> anyhow::Result<()> {
    let f = fixture(key)?;
    let pem = if with_cert {
        format!("{}{}", f.key_pem(), f.cert_pem())
    } else {
        f.key_pem().to_owned()
    };
    let body = feed(&categories(operation, mode), Some(&pem), "");
    put_feed(w, credentials, body, "application/atom+xml").await
}

#[given(expr = "the administrator has uploaded the {word} key of {string} for {word}")]
#[when(expr = "the administrator has uploaded the {word} key of {string} for {word}")]
async fn uploaded(w: &mut DsWorld, op: String, key: String, mode: String) -> anyhow::Result<()> {
    upload(w, (ADMIN_EMAIL, ADMIN_PASSWORD), &op, &key, &mode, false).await?;
    let status = w.last()?.status;
    ensure!(
        status == 201 || status == 200,
        "upload: {} {}",
        status,
        w.last()?.body
    );
    Ok(())
}

#[when(expr = "the administrator uploads the {word} key of {string} for {word}")]
async fn uploads(w: &mut DsWorld, op: String, key: String, mode: String) -> anyhow::Result<()> {
    upload(w, (ADMIN_EMAIL, ADMIN_PASSWORD), &op, &key, &mode, false).await
}

#[when(
    expr = "the administrator uploads the {word} key of {string} for {word} with its certificate"
)]
async fn uploads_with_cert(
    w: &mut DsWorld,
    op: String,
    key: String,
    mode: String,
) -> anyhow::Result<()> {
    upload(w, (ADMIN_EMAIL, ADMIN_PASSWORD), &op, &key, &mode, true).await
}

#[when(expr = "{string} with password {string} uploads the {word} key of {string} for {word}")]
async fn user_uploads(
    w: &mut DsWorld,
    email: String,
    password: String,
    op: String,
    key: String,
    mode: String,
) -> anyhow::Result<()> {
    upload(w, (&email, &password), &op, &key, &mode, false).await
}

#[when(expr = "the administrator deletes the {word} key for {word}")]
async fn deletes(w: &mut DsWorld, op: String, mode: String) -> anyhow::Result<()> {
    w.admin_call(
        "DELETE",
        &format!("/config/{{account}}/certificate/{op}?P_mode={mode}"),
        None,
    )
    .await?;
    Ok(())
}

#[when(expr = "{string} with password {string} deletes the {word} key for {word}")]
async fn user_deletes(
    w: &mut DsWorld,
    email: String,
    password: String,
    op: String,
    mode: String,
) -> anyhow::Result<()> {
    let path = format!("/config/{{account}}/certificate/{op}?P_mode={mode}");
    w.api_call_as(&email, &password, "DELETE", &path, None)
        .await?;
    Ok(())
}

#[when(expr = "the administrator uploads a feed with the {string} category set to {string}")]
async fn feed_category(w: &mut DsWorld, term: String, label: String) -> anyhow::Result<()> {
    let mut cats = categories("SAML_AUTH", "LIVE");
    for (t, l) in cats.iter_mut() {
        if *t == term {
            *l = &label;
        }
    }
    let body = feed(&cats, Some(Fixture::SpContoso.key_pem()), "");
    admin_puts(w, body).await
}

#[when(expr = "the administrator uploads a feed without the {string} category")]
async fn feed_missing_category(w: &mut DsWorld, term: String) -> anyhow::Result<()> {
    let cats: Vec<_> = categories("SAML_AUTH", "LIVE")
        .into_iter()
        .filter(|(t, _)| *t != term)
        .collect();
    let body = feed(&cats, Some(Fixture::SpContoso.key_pem()), "");
    admin_puts(w, body).await
}

/// A complete, valid feed made `kib` KiB long by an XML comment: well-formed, so only its size
/// can refuse it.
#[when(expr = "the administrator uploads a feed padded to {int} KiB")]
async fn feed_padded(w: &mut DsWorld, kib: usize) -> anyhow::Result<()> {
    let body = valid_feed();
    let pad = (kib * 1024).saturating_sub(body.len() + 7);
    let body = body.replacen("<title>", &format!("<!--{}--><title>", "x".repeat(pad)), 1);
    admin_puts(w, body).await
}

/// A complete, valid feed whose root element is changed: `feed-outside-atom` (a `feed` in
/// another namespace) or `atom-entry` (an Atom element that is not a feed).
#[when(expr = "the administrator uploads a document whose root is {word}")]
async fn feed_other_root(w: &mut DsWorld, root: String) -> anyhow::Result<()> {
    let body = valid_feed();
    let body = match root.as_str() {
        "feed-outside-atom" => body.replace(
            "xmlns=\"http://www.w3.org/2005/Atom\"",
            "xmlns=\"urn:example:not-atom\"",
        ),
        "atom-entry" => body
            .replace("<feed ", "<entry ")
            .replace("</feed>", "</entry>"),
        other => anyhow::bail!("unknown root {other}"),
    };
    admin_puts(w, body).await
}

#[when(expr = "the administrator uploads a feed with the category {string} twice")]
async fn feed_duplicate_category(w: &mut DsWorld, term: String) -> anyhow::Result<()> {
    let mut cats = categories("SAML_AUTH", "LIVE");
    let extra = *cats
        .iter()
        .find(|(t, _)| *t == term)
        .context("no such category")?;
    cats.push(extra);
    let body = feed(&cats, Some(Fixture::SpContoso.key_pem()), "");
    admin_puts(w, body).await
}

/// Keys that must be refused, made on the fly where no fixture fits.
fn bad_key(kind: &str) -> anyhow::Result<Option<String>> {
    use openssl::pkey::PKey;
    let pem = |bytes: Vec<u8>| {
        String::from_utf8(bytes)
            .map(Some)
            .map_err(anyhow::Error::from)
    };
    match kind {
        "missing" => Ok(None),
        "not-pem" => Ok(Some("this is not a key".into())),
        "rsa-1024" => {
            pem(PKey::from_rsa(openssl::rsa::Rsa::generate(1024)?)?.private_key_to_pem_pkcs8()?)
        }
        "ec-p256" => {
            let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)?;
            pem(PKey::from_ec_key(openssl::ec::EcKey::generate(&group)?)?
                .private_key_to_pem_pkcs8()?)
        }
        "encrypted" => {
            let key = PKey::private_key_from_pem(Fixture::SpContoso.key_pem().as_bytes())?;
            pem(key.private_key_to_pem_pkcs8_passphrase(
                openssl::symm::Cipher::aes_256_cbc(),
                b"secret",
            )?)
        }
        "with-another-certificate" => Ok(Some(format!(
            "{}{}",
            Fixture::SpContoso.key_pem(),
            Fixture::SpContosoNext.cert_pem()
        ))),
        other => bail!("unknown bad key {other}"),
    }
}

#[when(expr = "the administrator uploads a feed whose key is {word}")]
async fn feed_bad_key(w: &mut DsWorld, kind: String) -> anyhow::Result<()> {
    let key = bad_key(&kind)?;
    let body = feed(&categories("SAML_AUTH", "LIVE"), key.as_deref(), "");
    admin_puts(w, body).await
}

#[when("the administrator uploads a feed with an external entity")]
async fn feed_xxe(w: &mut DsWorld) -> anyhow::Result<()> {
    let doctype = "<!DOCTYPE feed [<!ENTITY key SYSTEM \"file:///etc/passwd\">]>\n";
    let body = feed(&categories("SAML_AUTH", "LIVE"), Some("&key;"), doctype);
    admin_puts(w, body).await
}

#[when("the administrator uploads a malformed feed")]
async fn feed_malformed(w: &mut DsWorld) -> anyhow::Result<()> {
    let body = valid_feed();
    let cut = body[..body.len() / 2].to_owned();
    put_feed(
        w,
        (ADMIN_EMAIL, ADMIN_PASSWORD),
        cut,
        "application/atom+xml",
    )
    .await
}

#[when(expr = "the administrator uploads the feed as {string}")]
async fn feed_content_type(w: &mut DsWorld, content_type: String) -> anyhow::Result<()> {
    let body = valid_feed();
    put_feed(w, (ADMIN_EMAIL, ADMIN_PASSWORD), body, &content_type).await
}

#[then(
    expr = "the answer is {int}, an Atom feed with the fingerprint of {string} and no private key"
)]
async fn atom_answer(w: &mut DsWorld, status: u16, key: String) -> anyhow::Result<()> {
    let reply = w.expect_status(status)?;
    let ct = reply
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    ensure!(ct.starts_with("application/atom+xml"), "content type {ct}");
    let expected = protocol::keys::RequestSigningKey::from_pem(fixture(&key)?.key_pem())?
        .public_key_fingerprint()?;
    ensure!(
        reply.body.contains(&expected),
        "no fingerprint {expected} in {}",
        reply.body
    );
    ensure!(
        !reply.body.contains("PRIVATE KEY"),
        "the answer carries the private key"
    );
    let secret_line = fixture(&key)?
        .key_pem()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    ensure!(
        !reply.body.contains(&secret_line),
        "the answer carries key material"
    );
    Ok(())
}

#[then("the answer carries the certificate")]
async fn atom_cert(w: &mut DsWorld) -> anyhow::Result<()> {
    let reply = w.last()?;
    ensure!(
        reply.body.contains("BEGIN CERTIFICATE"),
        "no certificate: {}",
        reply.body
    );
    Ok(())
}

#[given(expr = "the identity provider requires requests signed with the certificate of {string}")]
#[when(expr = "the identity provider requires requests signed with the certificate of {string}")]
async fn idp_requires(w: &mut DsWorld, key: String) -> anyhow::Result<()> {
    let cert = fixture(&key)?.cert_pem().to_owned();
    let entity = w.sp_entity_id()?;
    let updated = w.idp()?.update_app(&entity, |app| {
        app.require_signed_requests = true;
        app.sp_certificate = Some(cert);
    });
    ensure!(updated, "the IdP has no app {entity}");
    Ok(())
}

#[then(expr = "the last {word} the identity provider received was {word}")]
async fn last_request_signed(w: &mut DsWorld, kind: String, signed: String) -> anyhow::Result<()> {
    let log = w.idp()?.received();
    let last = log
        .iter()
        .rev()
        .find(|m| m.kind == kind)
        .with_context(|| format!("the IdP received no {kind}"))?;
    match signed.as_str() {
        "signed" => ensure!(
            last.sig_alg.as_deref() == Some(protocol::saml::ALG_RSA_SHA256),
            "{kind} not signed with RSA-SHA256: {:?}",
            last.sig_alg
        ),
        "unsigned" => ensure!(last.sig_alg.is_none(), "{kind} signed: {:?}", last.sig_alg),
        other => bail!("signed or unsigned, not {other}"),
    }
    Ok(())
}

/// The Issuer of the last AuthnRequest is the SP entity ID of `account` (R-EN-2: one per account).
#[then(
    expr = "the last AuthnRequest the identity provider received was issued for account {string}"
)]
async fn last_request_issuer(w: &mut DsWorld, account: String) -> anyhow::Result<()> {
    let log = w.idp()?.received();
    let last = log
        .iter()
        .rev()
        .find(|m| m.kind == "AuthnRequest")
        .context("the IdP received no AuthnRequest")?;
    let doc = roxmltree::Document::parse(&last.xml)?;
    let issuer = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((protocol::saml::NS_ASSERTION, "Issuer")))
        .and_then(|n| n.text())
        .context("no Issuer")?;
    let expected = w.stack.sp_url(&format!("/live/{account}"));
    ensure!(issuer == expected, "Issuer {issuer}, expected {expected}");
    Ok(())
}

#[then(expr = "the SP metadata for {word} says AuthnRequestsSigned {string}")]
async fn metadata_signed(w: &mut DsWorld, mode: String, value: String) -> anyhow::Result<()> {
    let reply = w
        .get(
            "default",
            &format!("/live/{{account}}/saml/metadata?P_mode={mode}"),
        )
        .await?;
    ensure!(reply.status == 200, "{} {}", reply.status, reply.body);
    let attr = format!("AuthnRequestsSigned=\"{value}\"");
    ensure!(
        reply.body.contains(&attr),
        "metadata without {attr}: {}",
        reply.body
    );
    if value == "true" {
        ensure!(
            reply.body.contains("KeyDescriptor use=\"signing\""),
            "no signing key published"
        );
    }
    Ok(())
}

/// The `<p:certificate>` of the feed answer, with its attributes.
fn answered_certificate(body: &str) -> anyhow::Result<(String, protocol::keys::Certificate)> {
    let start = body
        .find("<p:certificate")
        .with_context(|| format!("no certificate in {body}"))?;
    let open_end = start + body[start..].find('>').context("unclosed p:certificate")?;
    let attrs = body[start + "<p:certificate".len()..open_end].to_owned();
    let close = body
        .find("</p:certificate>")
        .context("no </p:certificate>")?;
    let cert = protocol::keys::Certificate::from_text(&body[open_end + 1..close])?;
    Ok((attrs, cert))
}

#[then(
    expr = "the answer carries a certificate the SP made for {string}, for {word} {word}, valid from {string} to {string}"
)]
async fn generated_cert(
    w: &mut DsWorld,
    key: String,
    mode: String,
    op: String,
    from: String,
    to: String,
) -> anyhow::Result<()> {
    let reply = w.last()?;
    let (attrs, cert) = answered_certificate(&reply.body)?;
    let expected = format!(" generated=\"self-signed\" notBefore=\"{from}\" notAfter=\"{to}\"");
    ensure!(
        attrs == expected,
        "attributes {attrs:?}, expected {expected:?}"
    );
    let x509 = openssl::x509::X509::from_der(cert.der())?;
    let public = x509.public_key()?;
    let ours = protocol::keys::RequestSigningKey::from_pem(fixture(&key)?.key_pem())?;
    ensure!(
        public.public_eq(ours.pkey()),
        "the certificate holds another key"
    );
    ensure!(x509.verify(&public)?, "not self-signed by the key");
    let cn = x509
        .subject_name()
        .entries_by_nid(openssl::nid::Nid::COMMONNAME)
        .next()
        .context("no CN")?
        .data()
        .to_string()?;
    let want = format!("DigitalSuite {} {mode} {op}", w.account()?);
    ensure!(cn == want, "CN {cn:?}, expected {want:?}");
    w.remembered_certificate = Some(cert.base64());
    Ok(())
}

#[then(expr = "the SP metadata for {word} publishes that certificate as its signing key")]
async fn metadata_publishes_it(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let cert = w
        .remembered_certificate
        .clone()
        .context("no certificate was kept from an answer")?;
    let reply = w
        .get(
            "default",
            &format!("/live/{{account}}/saml/metadata?P_mode={mode}"),
        )
        .await?;
    ensure!(reply.status == 200, "{} {}", reply.status, reply.body);
    ensure!(
        reply
            .body
            .contains(&format!("<ds:X509Certificate>{cert}</ds:X509Certificate>")),
        "metadata without the certificate: {}",
        reply.body
    );
    ensure!(
        !reply.body.contains("RSAKeyValue"),
        "metadata with a bare key value: {}",
        reply.body
    );
    Ok(())
}

#[then(expr = "the answer carries the certificate of {string}, as given")]
async fn given_cert(w: &mut DsWorld, key: String) -> anyhow::Result<()> {
    let (attrs, cert) = answered_certificate(&w.last()?.body)?;
    ensure!(
        attrs.is_empty(),
        "a given certificate with attributes {attrs:?}"
    );
    ensure!(
        cert == protocol::keys::Certificate::from_text(fixture(&key)?.cert_pem())?,
        "another certificate than the one given"
    );
    w.remembered_certificate = Some(cert.base64());
    Ok(())
}
