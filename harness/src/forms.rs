//! Reading the auto-posting forms of the SAML HTTP-POST binding (saml-bindings §3.5.4) as a
//! browser would submit them: the scenarios and `harness bench` both follow them.

use anyhow::{Context, ensure};

/// The action and fields of an auto-posting form that must carry the field `carrying`.
pub fn auto_post_form(
    html: &str,
    carrying: &str,
) -> anyhow::Result<(String, Vec<(String, String)>)> {
    let attr = |chunk: &str, name: &str| {
        chunk
            .split(&format!("{name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .map(|v| v.replace("&amp;", "&").replace("&quot;", "\""))
    };
    let form = html.split("<form").nth(1).context("no form on the page")?;
    let action = attr(form.split('>').next().unwrap_or_default(), "action").context("no action")?;
    let fields: Vec<(String, String)> = form
        .split("<input")
        .skip(1)
        .filter_map(|input| {
            let tag = input.split('>').next().unwrap_or_default();
            Some((attr(tag, "name")?, attr(tag, "value")?))
        })
        .collect();
    ensure!(
        fields.iter().any(|(n, _)| n == carrying),
        "the form carries no {carrying}: {html}"
    );
    Ok((action, fields))
}
