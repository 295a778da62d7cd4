//! HTML text for the pages the SP and the harness serve: every interpolated value goes through
//! [`escape`].

/// Escapes text for HTML element content and double-quoted or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The policy of every page built here: no script, images and styles from the page's own
/// server only (the favicon and [`STYLESHEET`]), forms to its own origin, never framed.
pub const PAGE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// [`PAGE_CSP`] whose forms may also lead to `url`'s origin: a browser follows a form's answer
/// that redirects (Sign out to an IdP, consent back to an app) only to origins `form-action`
/// names. `None` when `url` has no such origin.
pub fn csp_posting_to(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| {
        PAGE_CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {}", origin.ascii_serialization()),
        )
    })
}

/// The one stylesheet of every server's pages, served at `/style.css`: readable on a phone,
/// controls a thumb can hit, focus always visible, errors marked by more than colour.
pub const STYLESHEET: &str = "\
html{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1b1b1b;background:#fff}
body{max-width:36rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem}
label{display:block;margin:.75rem 0}
input:not([type=hidden]){display:block;box-sizing:border-box;width:100%;min-height:2.75rem;margin-top:.25rem;padding:.5rem;font:inherit;border:1px solid #767676;border-radius:4px}
button{min-height:2.75rem;min-width:6rem;padding:.5rem 1rem;font:inherit;border:1px solid #0b57d0;border-radius:4px;background:#0b57d0;color:#fff;cursor:pointer}
a{color:#0b57d0}
a,button,input{outline-offset:2px}
:focus-visible{outline:3px solid #e8a400}
.error{border-left:4px solid #b3261e;padding:.5rem .75rem;background:#fdecea;color:#8c1d18}
ul{padding-left:1.25rem}
li{margin:.25rem 0}
code{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
";

/// The favicon of every server, served at `/favicon.svg` and `/favicon.ico`: a key.
pub const FAVICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<circle cx=\"5\" cy=\"8\" r=\"3.5\" fill=\"none\" stroke=\"#0b57d0\" stroke-width=\"2\"/>\
<path d=\"M8.5 8h6.5M12.5 8v3M14.5 8v2\" stroke=\"#0b57d0\" stroke-width=\"2\"/></svg>\n";

/// The head every page shares: its language, a viewport that makes a phone lay the page out
/// at its own width instead of a shrunken desktop one, the shared stylesheet and the favicon
/// (issue 15, item 2). `extra_head` is markup for the head (already escaped), `body` the
/// page's content.
pub fn page_with_head(title: &str, extra_head: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/style.css\">\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">{extra_head}</head>\n\
         <body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// The page at `/` of a server: what it is, and its main URLs (each a link and its text).
pub fn index_page(title: &str, intro: &str, links: &[(&str, String)]) -> String {
    let items: String = links
        .iter()
        .map(|(label, url)| {
            format!(
                "<li><a href=\"{u}\">{}</a>: <code>{u}</code></li>\n",
                escape(label),
                u = escape(url)
            )
        })
        .collect();
    page(
        title,
        &format!(
            "<h1>{}</h1>\n<p>{}</p>\n<ul>\n{items}</ul>\n",
            escape(title),
            escape(intro)
        ),
    )
}

/// [`page_with_head`] without anything more in the head.
pub fn page(title: &str, body: &str) -> String {
    page_with_head(title, "", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_a_language_a_viewport_and_an_escaped_title() {
        let p = page("a <b>", "<p>x</p>\n");
        assert!(p.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{p}");
        assert!(
            p.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        );
        assert!(p.contains("<title>a &lt;b&gt;</title>"));
        assert!(p.contains("<link rel=\"stylesheet\" href=\"/style.css\">"));
        assert!(p.ends_with("<body>\n<p>x</p>\n</body>\n</html>\n"));
    }

    #[test]
    fn a_policy_posting_elsewhere_names_only_that_origin() {
        assert_eq!(
            csp_posting_to("https://idp.example:8443/saml2?x=1").as_deref(),
            Some(
                "default-src 'none'; img-src 'self'; style-src 'self'; \
                 form-action 'self' https://idp.example:8443; frame-ancestors 'none'; base-uri 'none'"
            )
        );
        assert_eq!(csp_posting_to("not a url"), None);
        assert_eq!(csp_posting_to("data:text/html,x"), None);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
