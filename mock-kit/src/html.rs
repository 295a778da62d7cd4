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

/// The head every page shares: its language, and a viewport that makes a phone lay the page
/// out at its own width instead of a shrunken desktop one (issue 15, item 2). `extra_head`
/// is markup for the head (already escaped), `body` the page's content.
pub fn page_with_head(title: &str, extra_head: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title>{extra_head}</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
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
        assert!(p.ends_with("<body>\n<p>x</p>\n</body>\n</html>\n"));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
