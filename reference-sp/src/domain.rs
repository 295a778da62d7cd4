//! Domain types of DigitalSuite user authentication (REQUIREMENTS.md R-ACC-1..6, R-PW-1..6),
//! named as the product names them and validated at the edge so the store only sees good values.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A customer account ID: digits only, e.g. `112501524864919680` (R-ACC-1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = ApiError;
    fn try_from(s: String) -> Result<Self, ApiError> {
        // 1..=20 digits keeps IDs within u64's width, as the product's 18-digit IDs are.
        if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s))
        } else {
            Err(ApiError::UnknownAccount)
        }
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> String {
        id.0
    }
}

impl FromStr for AccountId {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        Self::try_from(s.to_owned())
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// DigitalSuite execution modes; chosen per request by the `P_mode` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "&'static str")]
pub enum ExecutionMode {
    Test,
    Acceptance,
    #[default]
    Live,
}

impl ExecutionMode {
    pub const ALL: [ExecutionMode; 3] = [Self::Test, Self::Acceptance, Self::Live];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "TEST",
            Self::Acceptance => "ACCEPTANCE",
            Self::Live => "LIVE",
        }
    }
}

impl FromStr for ExecutionMode {
    type Err = ApiError;
    /// Exactly `TEST`, `ACCEPTANCE` or `LIVE`, as the product's URLs spell them.
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "TEST" => Ok(Self::Test),
            "ACCEPTANCE" => Ok(Self::Acceptance),
            "LIVE" => Ok(Self::Live),
            _ => Err(ApiError::UnknownMode),
        }
    }
}

impl TryFrom<String> for ExecutionMode {
    type Error = ApiError;
    fn try_from(s: String) -> Result<Self, ApiError> {
        s.parse()
    }
}

impl From<ExecutionMode> for &'static str {
    fn from(m: ExecutionMode) -> &'static str {
        m.as_str()
    }
}

impl fmt::Display for ExecutionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authentication method a mode selects (R-ACC-2). Login/Password stays available whatever
/// is selected (R-PW-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    LoginPassword,
    Google,
    Saml,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginPassword => "login_password",
            Self::Google => "google",
            Self::Saml => "saml",
        }
    }
}

impl FromStr for AuthMethod {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "login_password" => Ok(Self::LoginPassword),
            "google" => Ok(Self::Google),
            "saml" => Ok(Self::Saml),
            other => Err(ApiError::invalid(
                "invalid_method",
                format!("unknown method {other:?}; expected login_password, google or saml"),
            )),
        }
    }
}

/// A user's profile (R-ACC-4). Administrators manage the account through the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Profile {
    User,
    Admin,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Admin => "Admin",
        }
    }
}

impl FromStr for Profile {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "User" => Ok(Self::User),
            "Admin" => Ok(Self::Admin),
            other => Err(ApiError::invalid(
                "invalid_profile",
                format!("unknown profile {other:?}; expected User or Admin"),
            )),
        }
    }
}

/// Whether a user may log in; `Locked` after too many failed attempts (R-PW-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Locked,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Locked => "locked",
        }
    }
}

impl FromStr for UserStatus {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "active" => Ok(Self::Active),
            "locked" => Ok(Self::Locked),
            _ => Err(ApiError::Internal(format!(
                "bad user status {s:?} in store"
            ))),
        }
    }
}

/// Who may read a resource (R-ACC-3, R-ACC-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Anybody, without a session (R-ACC-3).
    Public,
    /// Every authenticated user of the account: an application open to "everybody" (R-ACC-5).
    Everybody,
    /// Only the users it is granted to (R-ACC-5).
    Named,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Everybody => "everybody",
            Self::Named => "named",
        }
    }
}

impl FromStr for Visibility {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "public" => Ok(Self::Public),
            "everybody" => Ok(Self::Everybody),
            "named" => Ok(Self::Named),
            other => Err(ApiError::invalid(
                "invalid_visibility",
                format!("unknown visibility {other:?}; expected public, everybody or named"),
            )),
        }
    }
}

/// What a resource is: an uploaded file, or a web interface (an application when not public).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    File,
    WebInterface,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::WebInterface => "web_interface",
        }
    }
}

impl FromStr for ResourceKind {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "file" => Ok(Self::File),
            "web_interface" => Ok(Self::WebInterface),
            other => Err(ApiError::invalid(
                "invalid_kind",
                format!("unknown resource kind {other:?}; expected file or web_interface"),
            )),
        }
    }
}

/// An email address as given, plus the key it is compared by.
///
/// Accepted form: a plain addr-spec, `local@domain`, exactly as received. The local part is a
/// dot-atom (RFC 5322 §3.4.1: `atext` runs joined by single dots, no quoted strings or
/// comments); the domain is dot-separated labels of letters, digits and inner hyphens (1 to 63
/// bytes each). Non-ASCII letters are allowed in both (RFC 6531), but never whitespace, control
/// or invisible format characters (U+200B, U+00AD, bidi controls, ...), and nothing is trimmed:
/// an input that needs cleaning to look like an address is refused, never normalised onto a
/// user (REQUIREMENTS.md R-SA-4, R-GO-4, R-APPLE-2).
///
/// Comparison rule: ASCII letters compare case-insensitively; every other character compares by
/// exact code point, with no Unicode case folding or normalisation. So `B.Simon@Contoso.com`
/// and `b.simon@contoso.com` are one user, while no look-alike or differently normalised
/// Unicode address can ever map onto an existing user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    key: String,
}

/// Characters outside ASCII that may appear in an address: anything visible. Refused are
/// whitespace, controls, Unicode format characters (general category Cf, which render as
/// nothing), noncharacters and the replacement character (a sign of a decoding error).
fn visible_non_ascii(c: char) -> bool {
    let format = matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F);
    let nonchar = matches!(c as u32, 0xFDD0..=0xFDEF) || (c as u32) & 0xFFFE == 0xFFFE;
    !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !format && !nonchar && c != '\u{FFFD}'
}

fn atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || visible_non_ascii(c)
}

fn label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || visible_non_ascii(c)
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let bad = |why: &str| ApiError::invalid("invalid_email", format!("invalid email: {why}"));
        if raw.is_empty() || raw.len() > 254 {
            return Err(bad("length must be 1 to 254 bytes"));
        }
        if raw
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || !(c.is_ascii() || visible_non_ascii(c)))
        {
            return Err(bad(
                "no spaces, control or invisible characters allowed, and nothing is trimmed",
            ));
        }
        let Some((local, domain)) = raw.split_once('@') else {
            return Err(bad("missing @"));
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(bad(
                "expected exactly one @ between a local part and a domain",
            ));
        }
        if local.len() > 64
            || local
                .split('.')
                .any(|atom| atom.is_empty() || !atom.chars().all(atext))
        {
            return Err(bad(
                "the local part must be dot-separated runs of letters, digits and !#$%&'*+-/=?^_`{|}~",
            ));
        }
        if domain.split('.').any(|label| {
            label.is_empty()
                || label.len() > 63
                || label.starts_with('-')
                || label.ends_with('-')
                || !label.chars().all(label_char)
        }) {
            return Err(bad("malformed domain"));
        }
        Ok(Self {
            address: raw.to_owned(),
            key: raw.to_ascii_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The comparison key stored in a unique index (see the type's comparison rule).
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A language code for the IDE or applications: two lower-case ASCII letters (`en`, `fr`).
pub fn parse_language(field: &'static str, raw: &str) -> Result<String, ApiError> {
    if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::invalid(
            "invalid_language",
            format!("{field} must be a two-letter language code such as \"en\""),
        ))
    }
}

/// A user's display name: 1 to 200 characters, no control characters.
pub fn parse_name(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.chars().any(char::is_control)
    {
        Err(ApiError::invalid(
            "invalid_name",
            "name must be 1 to 200 characters without control characters",
        ))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// An absolute `http` or `https` URL with a host (IdP endpoints, composite APIs, redirects).
pub fn parse_http_url(field: &str, raw: &str) -> Result<String, ApiError> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(raw.to_owned()),
        _ => Err(ApiError::invalid(
            "invalid_url",
            format!("{field} must be an absolute http(s) URL"),
        )),
    }
}

/// Minimum password length accepted when an administrator sets a password.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longer inputs are refused before hashing, so a huge password cannot cost hashing time.
pub const MAX_PASSWORD_LEN: usize = 256;

pub fn check_new_password(raw: &str) -> Result<(), ApiError> {
    let n = raw.chars().count();
    if (MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&n) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "weak_password",
            format!("password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"),
        ))
    }
}

/// First path segments under `/live/<account>/` that the SP itself serves.
pub const RESERVED_PATHS: &[&str] = &[
    "login",
    "logout",
    "session",
    "signed-out",
    "saml",
    "account",
    "google",
    "apple",
];

/// A resource path under `/live/<account>/`: segments of `[A-Za-z0-9._-]`, no `.` or `..`
/// segment, at most 512 bytes. [`RESERVED_PATHS`] are the SP's own endpoints.
pub fn parse_resource_path(raw: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::invalid(
            "invalid_path",
            "path segments may use A-Z a-z 0-9 . _ - only, with no empty, '.' or '..' segment",
        )
    };
    let path = raw.trim_matches('/');
    if path.is_empty() || path.len() > 512 {
        return Err(bad());
    }
    for segment in path.split('/') {
        if segment.is_empty()
            || segment == "."
            || segment == ".."
            || !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(bad());
        }
    }
    let first = path.split('/').next().unwrap_or_default();
    if RESERVED_PATHS.contains(&first) {
        return Err(ApiError::invalid(
            "reserved_path",
            format!("{} are reserved paths of the SP", RESERVED_PATHS.join(", ")),
        ));
    }
    Ok(path.to_owned())
}

/// Which requests a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// AuthnRequest.
    SamlAuth,
    /// LogoutRequest.
    SamlLogout,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SamlAuth => "SAML_AUTH",
            Self::SamlLogout => "SAML_LOGOUT",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ApiError> {
        match s {
            "SAML_AUTH" => Ok(Self::SamlAuth),
            "SAML_LOGOUT" => Ok(Self::SamlLogout),
            other => Err(ApiError::bad_request(
                "unknown_operation",
                format!("operation {other:?} is neither SAML_AUTH nor SAML_LOGOUT"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_key_folds_ascii_case_only() {
        let a = Email::parse("B.Simon@Contoso.com").unwrap();
        let b = Email::parse("b.simon@contoso.com").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.as_str(), "B.Simon@Contoso.com");
        // Unicode upper-case letters are not folded: a different address, a different key.
        let c = Email::parse("É@contoso.com").unwrap();
        let d = Email::parse("é@contoso.com").unwrap();
        assert_ne!(c.key(), d.key());
        // Kelvin sign K (U+212A) must not collide with ASCII k.
        let k = Email::parse("\u{212A}@contoso.com").unwrap();
        assert_ne!(k.key(), "k@contoso.com");
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "",
            "no-at",
            "@contoso.com",
            "a@",
            "a@@b",
            "a b@c.d",
            "a@.c",
            "a@c..d",
            " a@b.c",
            "a@b.c ",
            "a@b.c\n",
            "\ta@b.c",
            "a\u{200B}@b.c",
            "a@b.c\u{00A0}",
            "a\u{202E}@b.c",
            "\"a b\"@c.d",
            "a(comment)@b.c",
            "<a@b.c>",
            "a.@b.c",
            ".a@b.c",
            "a@-b.c",
            "a@b-.c",
            "a@[127.0.0.1]",
            "a\u{85}@b.c",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code(),
                "invalid_email",
                "{bad}"
            );
        }
    }

    #[test]
    fn modes_parse_exactly() {
        assert_eq!(
            "TEST".parse::<ExecutionMode>().unwrap(),
            ExecutionMode::Test
        );
        assert!("test".parse::<ExecutionMode>().is_err());
        assert!("PROD".parse::<ExecutionMode>().is_err());
    }

    #[test]
    fn account_ids_are_digits() {
        assert!("112501524864919680".parse::<AccountId>().is_ok());
        assert!("12a".parse::<AccountId>().is_err());
        assert!("".parse::<AccountId>().is_err());
        assert!("123456789012345678901".parse::<AccountId>().is_err());
    }

    #[test]
    fn resource_paths_are_confined() {
        assert_eq!(
            parse_resource_path("/upload/login.html").unwrap(),
            "upload/login.html"
        );
        for bad in ["", "a/../b", "a//b", "a/./b", "a b", "x/%2e", "."] {
            assert_eq!(
                parse_resource_path(bad).unwrap_err().code(),
                "invalid_path",
                "{bad}"
            );
        }
        assert_eq!(
            parse_resource_path("login").unwrap_err().code(),
            "reserved_path"
        );
    }
}
