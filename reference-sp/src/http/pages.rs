//! HTML pages of the SP: the standard login page (R-PW-1), the account home page and the page
//! after signing out (R-SA-5).
//!
//! Small, dependency-free templates; every interpolated value goes through [`escape`].

use crate::domain::{AccountId, AuthMethod, ExecutionMode};
use crate::store::User;

pub use mock_kit::html::escape;

fn layout(title: &str, body: &str) -> String {
    mock_kit::html::page(title, body)
}

/// What the standard login page shows.
#[derive(Debug, Clone, Copy)]
pub struct LoginPage<'a> {
    pub account: &'a AccountId,
    /// The account's name, as the person knows it; the number alone when it has none.
    pub account_name: Option<&'a str>,
    pub mode: ExecutionMode,
    pub next: &'a str,
    /// A stable code, shown with a fixed message (R-PW-5: one text for every failure).
    pub error: Option<&'a str>,
    /// The "Sign in with Google" link, when the mode has Google configured (R-GO-2).
    pub google: bool,
    pub login_token: &'a str,
    /// The email typed before a failed attempt, typed again for the person.
    pub email: Option<&'a str>,
}

/// The standard login page (R-PW-1).
pub fn login_page(p: LoginPage<'_>) -> String {
    let LoginPage {
        account,
        account_name,
        mode,
        next,
        error,
        google,
        login_token,
        email,
    } = p;
    let error_html = match error {
        Some(code) => format!(
            "<p class=\"error\" role=\"alert\" data-code=\"{}\">Sign-in failed: wrong email or password, \
             or the account is locked. A locked account stays locked until an administrator of the \
             account unlocks it.</p>\n",
            escape(code)
        ),
        None => String::new(),
    };
    let email_value = email.map_or(String::new(), |e| format!(" value=\"{}\"", escape(e)));
    let body = format!(
        "<h1>DigitalSuite sign in</h1>\n<p>{}, mode {mode}</p>\n{error_html}\
         <form method=\"post\" action=\"/live/{account}/login?P_mode={mode}\">\n\
         <label>Email <input type=\"email\" name=\"email\" autocomplete=\"username\" required{email_value}></label>\n\
         <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>\n\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\n\
         <input type=\"hidden\" name=\"login_token\" value=\"{}\">\n\
         <button type=\"submit\">Sign in</button>\n</form>\n{google}",
        account_name.map_or_else(
            || format!("Account {account}"),
            |name| format!("{} (account {account})", escape(name))
        ),
        escape(next),
        escape(login_token),
        google = if google {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("P_mode", mode.as_str())
                .append_pair("next", next);
            format!(
                "<p><a id=\"google\" href=\"/live/{account}/google/login?{}\">Sign in with Google</a></p>\n",
                escape(&q.finish())
            )
        } else {
            String::new()
        }
    );
    layout("DigitalSuite sign in", &body)
}

/// The `login_token` a standard login page carries (what a browser posts back; the load
/// command and the tests read it the same way).
pub fn login_token_of(html: &str) -> Option<String> {
    let at = html.find("name=\"login_token\" value=\"")? + "name=\"login_token\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_owned())
}

/// The account's home page, shown to a signed-in user: who they are, the account by its name,
/// and the applications they may open (R-ACC-5).
pub fn home_page(
    account: &AccountId,
    account_name: &str,
    mode: ExecutionMode,
    user: &User,
    applications: &[String],
) -> String {
    let apps = if applications.is_empty() {
        "<p id=\"applications\">No application is open to you in this account yet.</p>\n".to_owned()
    } else {
        let items: String = applications
            .iter()
            .map(|path| {
                format!(
                    "<li><a href=\"/live/{account}/{}?P_mode={mode}\">{}</a></li>\n",
                    escape(path),
                    escape(path)
                )
            })
            .collect();
        format!("<h2>Your applications</h2>\n<ul id=\"applications\">\n{items}</ul>\n")
    };
    let body = format!(
        "<h1>{}</h1>\n<p id=\"who\">Signed in as {} &lt;{}&gt; to account {account} \
         in mode {mode}.</p>\n{apps}<form method=\"post\" action=\"/live/{account}/logout?P_mode={mode}\">\
         <button type=\"submit\">Sign out</button></form>\n",
        escape(account_name),
        escape(&user.name),
        escape(&user.email)
    );
    layout(&format!("{account_name} - DigitalSuite"), &body)
}

/// The SP's page at `/`: what it is and where things are. No account is named: the SP does
/// not tell who its customers are.
pub fn index_page(public_url: &str) -> String {
    let rows: String = [
        (
            "/live/<account>/?P_mode=<MODE>",
            "an account's home: signs in by the mode's method",
        ),
        (
            "/live/<account>/login?P_mode=<MODE>",
            "the standard login page",
        ),
        (
            "/live/<account>/saml/metadata?P_mode=<MODE>",
            "SP metadata of a mode",
        ),
        (
            "/live/<account>/saml/acs?P_mode=<MODE>",
            "assertion consumer service",
        ),
        ("/live/<account>/saml/slo?P_mode=<MODE>", "single logout"),
        (
            "/api/<account>/users",
            "the administrator's API (HTTP Basic)",
        ),
        (
            "/config/<account>/certificate",
            "request-signing keys (Atom feed)",
        ),
    ]
    .iter()
    .map(|(path, what)| {
        format!(
            "<li><code>{}{}</code>: {what}</li>\n",
            escape(public_url),
            escape(path)
        )
    })
    .collect();
    layout(
        "DigitalSuite reference SP",
        &format!(
            "<h1>DigitalSuite reference SP</h1>\n<p>A service provider that signs users in as \
             DigitalSuite (RunMyProcess) does: password, SAML 2.0, Google and Sign in with \
             Apple. <code>&lt;account&gt;</code> is the customer account's number, \
             <code>&lt;MODE&gt;</code> TEST, ACCEPTANCE or LIVE.</p>\n<ul>\n{rows}</ul>\n"
        ),
    )
}

/// The page after signing out of a mode whose method is not the login page (R-SA-5): it says
/// so, and signs in again through the mode's method (its home starts that method).
pub fn signed_out_page(account: &AccountId, mode: ExecutionMode, method: AuthMethod) -> String {
    let how = match method {
        AuthMethod::Saml => "through your identity provider",
        AuthMethod::Google => "with Google",
        AuthMethod::LoginPassword => "with your email and password",
    };
    let body = format!(
        "<h1>You are signed out</h1>\n<p role=\"status\">You are signed out of account {account} \
         in mode {mode}.</p>\n<p><a id=\"sign-in\" href=\"{}\">Sign in again {how}</a></p>\n",
        escape(&crate::scope::home_url(account, mode))
    );
    layout("Signed out of DigitalSuite", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_posts_to_the_login_endpoint_of_its_mode() {
        let account: AccountId = "42".parse().unwrap();
        let html = login_page(LoginPage {
            account: &account,
            account_name: Some("Contoso <Ltd>"),
            mode: ExecutionMode::Test,
            next: "/live/42/x\"><script>",
            error: None,
            google: false,
            login_token: "lt_1",
            email: Some("a\"b@example.com"),
        });
        assert!(html.contains("action=\"/live/42/login?P_mode=TEST\""));
        assert!(html.contains("<p>Contoso &lt;Ltd&gt; (account 42), mode TEST</p>"));
        assert!(html.contains("name=\"login_token\" value=\"lt_1\""));
        assert_eq!(login_token_of(&html).as_deref(), Some("lt_1"));
        assert_eq!(login_token_of("<form></form>"), None);
        assert!(html.contains("value=\"/live/42/x&quot;&gt;&lt;script&gt;\""));
        assert!(!html.contains("class=\"error\""));
        assert!(
            html.contains("required value=\"a&quot;b@example.com\">"),
            "{html}"
        );
    }
}
