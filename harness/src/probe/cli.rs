//! `harness probe-sp`: reads the target (its metadata, or the entity ID and ACS given), starts
//! the probe IdP on a fixed address with the profile's key (or the tester's), runs, renders, and
//! chooses the exit code (0 every case passed, 1 a case failed, 2 the SP could not be judged).

use super::{IdentityRule, Options, Probe, Report, TENANT, Target, check_url, render};
use anyhow::{Context, bail};
use mock_idp::{IdpConfig, IdpUser, MockIdp, RegisteredApp, VendorProfile};
use protocol::keys::SigningKey;
use protocol::saml::xml;
use protocol::{RandomIds, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `harness probe-sp`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeSp {
    /// The SP's metadata (a file or an http(s) URL): its entity ID and HTTP-POST ACS.
    #[arg(long, conflicts_with_all = ["sp_entity_id", "acs"])]
    pub metadata: Option<String>,
    /// The SP's entity ID (its AuthnRequests' Issuer); with --acs.
    #[arg(long, requires = "acs")]
    pub sp_entity_id: Option<String>,
    /// The SP's ACS URL (HTTP-POST); with --sp-entity-id.
    #[arg(long, requires = "sp_entity_id")]
    pub acs: Option<String>,
    /// A URL whose GET starts a sign-in at the SP (it must lead to the probe's SSO URL).
    #[arg(long, required_unless_present = "print_idp")]
    pub start: Option<String>,
    /// A URL whose GET says who is signed in (a non-2xx answer means nobody).
    #[arg(long, required_unless_present = "print_idp")]
    pub whoami: Option<String>,
    /// A regex over the who-am-I answer; its first group (or the match) is the user.
    #[arg(
        long,
        conflicts_with = "whoami_pointer",
        required_unless_present_any = ["whoami_pointer", "print_idp"]
    )]
    pub whoami_regex: Option<String>,
    /// A JSON pointer into the who-am-I answer, e.g. /user.
    #[arg(long)]
    pub whoami_pointer: Option<String>,
    /// The IdP's shape: entra-id, okta or google-workspace.
    #[arg(long, default_value = "entra-id")]
    pub profile: String,
    /// Where the probe's IdP listens; the SP's IdP settings point here.
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub idp_listen: SocketAddr,
    /// The IdP's signing key (PEM); default: the profile's published fixture key.
    #[arg(long, requires = "idp_cert")]
    pub idp_key: Option<PathBuf>,
    /// The certificate of --idp-key (PEM).
    #[arg(long, requires = "idp_key")]
    pub idp_cert: Option<PathBuf>,
    /// A host beyond loopback the probe may open (repeatable), exactly as in the URLs.
    #[arg(long)]
    pub allow_host: Vec<String>,
    /// Only these faults or classes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Not these faults or classes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Seconds a case may take.
    #[arg(long, default_value_t = 10)]
    pub case_timeout: u64,
    /// Seconds the whole run may take; the cases left are reported as not run.
    #[arg(long, default_value_t = 300)]
    pub budget: u64,
    /// text, json or junit.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Print what to configure in the SP (entity ID, SSO URL, certificate) and exit.
    #[arg(long)]
    pub print_idp: bool,
}

pub fn profile(name: &str) -> anyhow::Result<VendorProfile> {
    match name {
        "entra-id" => Ok(VendorProfile::EntraId),
        "okta" => Ok(VendorProfile::Okta),
        "google-workspace" => Ok(VendorProfile::GoogleWorkspace),
        other => bail!("unknown profile {other:?}: entra-id, okta or google-workspace"),
    }
}

/// The SP's entity ID and its HTTP-POST ACS, from SP metadata.
pub fn sp_from_metadata(text: &str) -> anyhow::Result<(String, String)> {
    const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
    const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    let doc = xml::parse(text).map_err(|e| anyhow::anyhow!("the SP metadata: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(MD) || root.tag_name().name() != "EntityDescriptor" {
        bail!("the SP metadata's root is not md:EntityDescriptor");
    }
    let entity_id = root
        .attribute("entityID")
        .filter(|e| !e.is_empty())
        .context("the SP metadata has no entityID")?;
    let sp = root
        .children()
        .find(|c| c.tag_name().namespace() == Some(MD) && c.tag_name().name() == "SPSSODescriptor")
        .context("the SP metadata has no SPSSODescriptor")?;
    let mut acs: Vec<_> = sp
        .children()
        .filter(|c| {
            c.tag_name().namespace() == Some(MD)
                && c.tag_name().name() == "AssertionConsumerService"
                && c.attribute("Binding") == Some(POST)
        })
        .collect();
    // The default one first (isDefault="true"), then the lowest index (saml-metadata §2.2.3).
    acs.sort_by_key(|c| {
        (
            c.attribute("isDefault") != Some("true"),
            c.attribute("index")
                .and_then(|i| i.parse::<u32>().ok())
                .unwrap_or(u32::MAX),
        )
    });
    let location = acs
        .first()
        .and_then(|c| c.attribute("Location"))
        .context("the SP metadata has no HTTP-POST AssertionConsumerService")?;
    Ok((entity_id.to_owned(), location.to_owned()))
}

fn identity(o: &ProbeSp) -> anyhow::Result<IdentityRule> {
    match (&o.whoami_regex, &o.whoami_pointer) {
        (Some(re), None) => Ok(IdentityRule::Regex(
            regex::Regex::new(re).with_context(|| format!("--whoami-regex {re:?}"))?,
        )),
        (None, Some(p)) if p.is_empty() || p.starts_with('/') => {
            Ok(IdentityRule::Pointer(p.clone()))
        }
        (None, Some(p)) => bail!("--whoami-pointer {p:?}: a JSON pointer starts with /"),
        _ => bail!("one of --whoami-regex and --whoami-pointer"),
    }
}

async fn target(o: &ProbeSp) -> anyhow::Result<Target> {
    let (entity_id, acs) = match (&o.metadata, &o.sp_entity_id, &o.acs) {
        (Some(m), _, _) => {
            if m.starts_with("http://") || m.starts_with("https://") {
                check_url(&url::Url::parse(m)?, &o.allow_host)?;
            }
            let text = crate::vendor::cli::read_metadata(m)
                .await
                .map_err(anyhow::Error::msg)?;
            sp_from_metadata(&text)?
        }
        (None, Some(e), Some(a)) => (e.clone(), a.clone()),
        _ => bail!("the SP: --metadata, or --sp-entity-id with --acs"),
    };
    Ok(Target {
        entity_id,
        acs,
        start: o.start.clone().context("--start")?,
        whoami: o.whoami.clone().context("--whoami")?,
        identity: identity(o)?,
    })
}

fn key(o: &ProbeSp, profile: VendorProfile) -> anyhow::Result<SigningKey> {
    match (&o.idp_key, &o.idp_cert) {
        (Some(k), Some(c)) => {
            let read = |p: &PathBuf| {
                std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))
            };
            SigningKey::from_pem(&read(k)?, &read(c)?)
                .map_err(|e| anyhow::anyhow!("--idp-key/--idp-cert: {e}"))
        }
        _ => Ok(profile.fixture().signing_key()),
    }
}

/// The IdP, registered with the target.
pub async fn start_idp(
    listen: SocketAddr,
    profile: VendorProfile,
    key: SigningKey,
    t: &Target,
) -> anyhow::Result<MockIdp> {
    let config = IdpConfig {
        profile,
        tenant: TENANT.into(),
        apps: vec![RegisteredApp::new(t.entity_id.clone(), t.acs.clone())],
        users: vec![IdpUser::b_simon()],
    };
    MockIdp::start_with_key(
        listen,
        None,
        config,
        key,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await
}

fn idp_settings(profile: VendorProfile, listen: SocketAddr, key: &SigningKey) -> String {
    let base = format!("http://{listen}");
    let sso = match profile.sso_query(TENANT) {
        Some(q) => format!("{base}{}?{q}", profile.sso_path(TENANT)),
        None => format!("{base}{}", profile.sso_path(TENANT)),
    };
    let slo = profile
        .slo_path(TENANT)
        .map(|p| format!("{base}{p}"))
        .unwrap_or_else(|| "none (this profile has no single logout)".into());
    format!(
        "IdP entity ID:  {}\nSSO URL:        {sso} (HTTP-Redirect and HTTP-POST)\n\
         SLO URL:        {slo}\nMetadata:       {base}{} (while a run is going)\n\
         User:           {} (the XSW cases inject root@contoso.com)\n\
         Signing certificate:\n{}",
        profile.entity_id(TENANT),
        profile.metadata_path(TENANT),
        super::USER,
        key.certificate().pem()
    )
}

/// The command's output and exit code.
pub async fn probe_sp(o: &ProbeSp) -> (String, i32) {
    match run(o).await {
        Ok(out) => out,
        Err(e) => (format!("probe-sp: {e:#}\n"), 2),
    }
}

async fn run(o: &ProbeSp) -> anyhow::Result<(String, i32)> {
    let profile = profile(&o.profile)?;
    let key = key(o, profile)?;
    if o.print_idp {
        return Ok((idp_settings(profile, o.idp_listen, &key), 0));
    }
    let format = o.format.as_str();
    if !matches!(format, "text" | "json" | "junit") {
        bail!("unknown format {format:?}: text, json or junit");
    }
    let t = target(o).await?;
    let idp = start_idp(o.idp_listen, profile, key, &t)
        .await
        .with_context(|| format!("starting the probe's IdP on {}", o.idp_listen))?;
    let options = Options {
        allowed_hosts: o.allow_host.clone(),
        only: o.only.clone(),
        skip: o.skip.clone(),
        case_timeout: Duration::from_secs(o.case_timeout.max(1)),
        budget: Duration::from_secs(o.budget.max(1)),
    };
    let report: Report = Probe::with_idp(idp).run(&t, &options).await?;
    let out = match format {
        "json" => render::json(&report),
        "junit" => render::junit(&report),
        _ => render::text(&report),
    };
    Ok((out, report.exit_code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sp_metadata_gives_the_entity_id_and_the_default_post_acs() {
        let md = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example/art" index="0"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs2" index="2"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs1" index="1"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"#;
        assert_eq!(
            sp_from_metadata(md).unwrap(),
            (
                "https://sp.example/".into(),
                "https://sp.example/acs1".into()
            )
        );
        let with_default = md.replace("index=\"2\"", "index=\"2\" isDefault=\"true\"");
        assert_eq!(
            sp_from_metadata(&with_default).unwrap().1,
            "https://sp.example/acs2"
        );
        let idp = md.replace("SPSSODescriptor", "IDPSSODescriptor");
        assert!(
            sp_from_metadata(&idp)
                .unwrap_err()
                .to_string()
                .contains("no SPSSODescriptor")
        );
        let dtd = format!("<!DOCTYPE x [<!ENTITY e \"x\">]>{md}");
        assert!(sp_from_metadata(&dtd).is_err());
    }
}
