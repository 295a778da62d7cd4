//! Finding the SAMLResponses in what an admin captured: the posted value (base64, as is or
//! URL-encoded), the XML itself, a HAR file from a browser's developer tools, or a SAML-tracer
//! export. Every SAMLResponse found is returned, in order, with where it was found.

use base64::Engine as _;
use serde_json::Value;

/// Largest input read; a HAR of a whole sign-in is well below it.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// One captured SAMLResponse, as the browser posted it (base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub source: String,
    pub encoded: String,
}

/// Every SAMLResponse in `text`; an error says why none can be found.
pub fn extract(text: &str) -> Result<Vec<Captured>, String> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(format!("the input is larger than {MAX_INPUT_BYTES} bytes"));
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the input is empty".into());
    }
    if trimmed.starts_with('{') {
        let json: Value =
            serde_json::from_str(trimmed).map_err(|e| format!("the input is not JSON: {e}"))?;
        let found = if json.pointer("/log/entries").is_some() {
            har(&json)
        } else if json.get("requests").is_some() {
            saml_tracer(&json)
        } else {
            return Err(
                "JSON that is neither a HAR file (log.entries) nor a SAML-tracer export (requests)"
                    .into(),
            );
        };
        if found.is_empty() {
            return Err("no SAMLResponse was posted in this capture".into());
        }
        return Ok(found);
    }
    if trimmed.starts_with('<') {
        // The XML itself: posted as base64 of exactly these bytes.
        return Ok(vec![Captured {
            source: "XML".into(),
            encoded: base64::engine::general_purpose::STANDARD.encode(trimmed.as_bytes()),
        }]);
    }
    // A value as posted, or as copied from a form body (`SAMLResponse=...&RelayState=...`).
    let value = form_value(trimmed, "SAMLResponse").unwrap_or_else(|| percent_decoded(trimmed));
    Ok(vec![Captured {
        source: "posted value".into(),
        encoded: value,
    }])
}

fn percent_decoded(value: &str) -> String {
    if value.contains('%') {
        url::form_urlencoded::parse(format!("v={value}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| value.to_owned())
    } else {
        value.to_owned()
    }
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
fn form_value(body: &str, name: &str) -> Option<String> {
    if !body.contains('=') || !body.contains(name) {
        return None;
    }
    url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// HAR 1.2: `log.entries[].request.postData`, with `params` or a form-encoded `text`.
fn har(json: &Value) -> Vec<Captured> {
    let mut out = Vec::new();
    let entries = json
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let request = &entry["request"];
        let post = &request["postData"];
        let from_params = post["params"].as_array().and_then(|params| {
            params.iter().find_map(|p| {
                (p["name"] == "SAMLResponse")
                    .then(|| p["value"].as_str().map(percent_decoded))
                    .flatten()
            })
        });
        let value = from_params.or_else(|| {
            post["text"]
                .as_str()
                .and_then(|t| form_value(t, "SAMLResponse"))
        });
        if let Some(encoded) = value {
            out.push(Captured {
                source: format!(
                    "HAR entry {}: {} {}",
                    i + 1,
                    request["method"].as_str().unwrap_or("?"),
                    request["url"].as_str().unwrap_or("?")
                ),
                encoded,
            });
        }
    }
    out
}

/// A SAML-tracer export: `requests[]` with `post` as `[[name, value], ...]`, `[{name, value}]`
/// or `{name: [values]}` (versions differ); the raw posted value is judged, not the tracer's
/// decoded copy, which may be re-indented.
fn saml_tracer(json: &Value) -> Vec<Captured> {
    let mut out = Vec::new();
    let requests = json["requests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, request) in requests.iter().enumerate() {
        let post = &request["post"];
        let value = match post {
            Value::Array(items) => items.iter().find_map(|item| match item {
                Value::Array(pair) if pair.first() == Some(&Value::from("SAMLResponse")) => {
                    pair.get(1).and_then(Value::as_str).map(str::to_owned)
                }
                Value::Object(o) if o.get("name") == Some(&Value::from("SAMLResponse")) => {
                    o.get("value").and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            }),
            Value::Object(o) => o.get("SAMLResponse").and_then(|v| match v {
                Value::Array(vs) => vs.first().and_then(Value::as_str).map(str::to_owned),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        };
        if let Some(encoded) = value {
            out.push(Captured {
                source: format!(
                    "SAML-tracer request {}: {} {}",
                    i + 1,
                    request["method"].as_str().unwrap_or("?"),
                    request["url"].as_str().unwrap_or("?")
                ),
                encoded: percent_decoded(&encoded),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_xml_and_form_body_are_each_one_capture() {
        let v = extract("PHNhbWxwOlJlc3BvbnNlLz4=").unwrap();
        assert_eq!(v[0].encoded, "PHNhbWxwOlJlc3BvbnNlLz4=");
        let v = extract("SAMLResponse=PHNhbWxw%2BOg%3D%3D&RelayState=x").unwrap();
        assert_eq!(v[0].encoded, "PHNhbWxw+Og==");
        let v = extract("  <samlp:Response/>\n").unwrap();
        assert_eq!(v[0].encoded, "PHNhbWxwOlJlc3BvbnNlLz4=");
        assert!(extract("   ").is_err());
        assert!(extract("{\"other\": 1}").is_err());
    }

    #[test]
    fn har_and_saml_tracer_captures_yield_every_posted_response() {
        let har = serde_json::json!({"log": {"entries": [
            {"request": {"method": "GET", "url": "https://idp/"}},
            {"request": {"method": "POST", "url": "https://sp/acs", "postData": {
                "params": [{"name": "SAMLResponse", "value": "QQ%3D%3D"}]}}},
            {"request": {"method": "POST", "url": "https://sp/acs", "postData": {
                "text": "RelayState=r&SAMLResponse=Qg%3D%3D"}}}
        ]}});
        let found = extract(&har.to_string()).unwrap();
        assert_eq!(
            found.iter().map(|c| c.encoded.as_str()).collect::<Vec<_>>(),
            vec!["QQ==", "Qg=="]
        );
        assert_eq!(found[0].source, "HAR entry 2: POST https://sp/acs");
        let tracer = serde_json::json!({"requests": [
            {"method": "POST", "url": "https://sp/acs", "post": [["SAMLResponse", "QQ=="]]},
            {"method": "POST", "url": "https://sp/acs", "post": [{"name": "SAMLResponse", "value": "Qg=="}]},
            {"method": "POST", "url": "https://sp/acs", "post": {"SAMLResponse": ["Qw=="]}}
        ]});
        let found = extract(&tracer.to_string()).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[2].encoded, "Qw==");
        let empty = serde_json::json!({"log": {"entries": []}});
        assert!(extract(&empty.to_string()).is_err());
    }
}
