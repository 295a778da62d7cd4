//! The `harness check-response` and `check-metadata` commands: read their inputs (bounded),
//! judge, render, and choose the exit code (0 nothing failed, 1 a rule failed, 2 the input
//! cannot be judged).

use super::render::{self, Format};
use super::{Expectations, MessageReport, Profile, check_response as judge, input};
use chrono::{DateTime, Utc};
use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

/// What a Response is judged against, as the SP would be configured for this IdP.
#[derive(Debug, Clone, clap::Args)]
pub struct Against {
    /// The IdP's signing certificate: PEM, or the Base64 file Entra downloads.
    #[arg(long)]
    pub idp_cert: PathBuf,
    /// The IdP's entity ID (Entra: "Azure AD Identifier").
    #[arg(long)]
    pub idp_entity_id: String,
    /// The SP's entity ID (Entra: "Identifier (Entity ID)").
    #[arg(long)]
    pub sp_entity_id: String,
    /// The SP's ACS URL (Entra: "Reply URL").
    #[arg(long)]
    pub acs: String,
    /// Judge at this instant (RFC 3339), e.g. when the capture was taken; default: now.
    #[arg(long)]
    pub now: Option<String>,
    /// Fix hints in this vendor's terms: entra-id, okta or google-workspace.
    #[arg(long)]
    pub profile: Option<Profile>,
}

/// `harness check-response`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckResponse {
    /// A file (or `-` for standard input): the posted base64 value, the XML, a HAR file or
    /// a SAML-tracer export. Every SAMLResponse in it is judged.
    pub input: PathBuf,
    #[command(flatten)]
    pub against: Against,
    /// The AuthnRequest's ID; InResponseTo must be it.
    #[arg(long)]
    pub request_id: Option<String>,
    /// text (default), json or junit.
    #[arg(long, default_value = "text")]
    pub format: Format,
}

/// Prints a command's output (to standard error when nothing could be judged) and exits with
/// its code.
pub fn finish((output, code): (String, i32)) -> ! {
    if code == 2 {
        eprint!("{output}");
    } else {
        print!("{output}");
    }
    std::process::exit(code)
}

/// The command's output and exit code.
pub fn check_response(o: &CheckResponse) -> (String, i32) {
    match run(o) {
        Ok(reports) => {
            let failed = reports.iter().any(|r| r.failed() > 0);
            let colour = o.format == Format::Text && std::io::stdout().is_terminal();
            (
                render::render(&reports, o.format, colour),
                i32::from(failed),
            )
        }
        Err(e) => (format!("check-response: {e}\n"), 2),
    }
}

fn read(path: &PathBuf) -> Result<String, String> {
    let mut text = String::new();
    let limit = input::MAX_INPUT_BYTES as u64 + 1;
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_string(&mut text))
    };
    read.map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text)
}

fn run(o: &CheckResponse) -> Result<Vec<MessageReport>, String> {
    let a = &o.against;
    let expect = Expectations {
        idp_certificate: read(&a.idp_cert)?,
        idp_entity_id: a.idp_entity_id.clone(),
        sp_entity_id: a.sp_entity_id.clone(),
        acs_url: a.acs.clone(),
        request_id: o.request_id.clone(),
        now: parse_now(a.now.as_deref())?,
        profile: a.profile,
    };
    let captured = input::extract(&read(&o.input)?)?;
    captured
        .iter()
        .map(|c| judge(&c.source, &c.encoded, &expect).map_err(|e| e.to_string()))
        .collect()
}

/// Largest metadata document fetched or read.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// `harness check-metadata`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckMetadata {
    /// A file, `-` for standard input, or an http(s) URL.
    pub input: String,
    /// The metadata is an SP's.
    #[arg(long)]
    pub sp: bool,
    /// Judge at this instant (RFC 3339); default: now.
    #[arg(long)]
    pub now: Option<String>,
    /// text (default), json or junit.
    #[arg(long, default_value = "text")]
    pub format: Format,
}

/// The `check-metadata` command's output and exit code.
pub async fn check_metadata(o: &CheckMetadata) -> (String, i32) {
    let result = async {
        let now = parse_now(o.now.as_deref())?;
        let text = if o.input.starts_with("http://") || o.input.starts_with("https://") {
            fetch(&o.input, MAX_METADATA_BYTES).await?
        } else {
            let text = read(&PathBuf::from(&o.input))?;
            if text.len() > MAX_METADATA_BYTES {
                return Err(format!(
                    "{} is larger than {MAX_METADATA_BYTES} bytes",
                    o.input
                ));
            }
            text
        };
        let role = if o.sp {
            super::metadata::Role::Sp
        } else {
            super::metadata::Role::Idp
        };
        super::metadata::check_metadata(&o.input, &text, role, now)
    }
    .await;
    match result {
        Ok(report) => {
            let failed = report.failed() > 0;
            let colour = o.format == Format::Text && std::io::stdout().is_terminal();
            (
                render::render(std::slice::from_ref(&report), o.format, colour),
                i32::from(failed),
            )
        }
        Err(e) => (format!("check-metadata: {e}\n"), 2),
    }
}

/// Metadata from a file, `-`, or an http(s) URL, bounded by [`MAX_METADATA_BYTES`].
pub async fn read_metadata(input: &str) -> Result<String, String> {
    if input.starts_with("http://") || input.starts_with("https://") {
        return fetch(input, MAX_METADATA_BYTES).await;
    }
    let text = read(&PathBuf::from(input))?;
    if text.len() > MAX_METADATA_BYTES {
        return Err(format!("{input} is larger than {MAX_METADATA_BYTES} bytes"));
    }
    Ok(text)
}

/// GETs `url` with a 10 s limit and at most `max` bytes, read before parsing.
async fn fetch(url: &str, max: usize) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err(format!("{url}: larger than {max} bytes"));
        }
    }
    String::from_utf8(body).map_err(|_| format!("{url}: not UTF-8"))
}

fn parse_now(raw: Option<&str>) -> Result<DateTime<Utc>, String> {
    match raw {
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("--now {raw:?}: {e}")),
        None => Ok(Utc::now()),
    }
}

/// `harness report`: every capture in a folder judged, one JUnit file and one Markdown summary.
#[derive(Debug, Clone, clap::Args)]
pub struct Report {
    /// A folder of captures (posted values, XML, HAR files, SAML-tracer exports), or the URL of
    /// a running `harness up`'s kept reports (`http://127.0.0.1:8080/vendor/reports`).
    pub captures: String,
    /// What a folder's captures are judged against (kept reports were judged on arrival).
    #[command(flatten)]
    pub against: Option<Against>,
    /// Where the JUnit report goes.
    #[arg(long, default_value = "conformance.junit.xml")]
    pub junit: PathBuf,
    /// Where the Markdown summary goes.
    #[arg(long, default_value = "conformance.md")]
    pub markdown: PathBuf,
}

/// Most capture files read from the folder.
pub const MAX_CAPTURE_FILES: usize = 1_000;

/// Most bytes of kept reports downloaded from a running SP (200 reports of at most 64 KiB of
/// message each, with their rules).
pub const MAX_KEPT_BYTES: usize = 32 * 1024 * 1024;

/// Writes the two files; returns the summary line and the exit code (as `check-response`).
pub async fn report(o: &Report) -> (String, i32) {
    let result = if o.captures.starts_with("http://") || o.captures.starts_with("https://") {
        download_kept(o).await
    } else {
        judge_folder(o)
    };
    match result {
        Ok((n, refused)) => (
            format!(
                "{n} message(s) judged, {refused} refused; wrote {} and {}\n",
                o.junit.display(),
                o.markdown.display()
            ),
            i32::from(refused > 0),
        ),
        Err(e) => (format!("report: {e}\n"), 2),
    }
}

/// The kept reports of a running `harness up`, as its pages give them.
async fn download_kept(o: &Report) -> Result<(usize, usize), String> {
    let base = o.captures.trim_end_matches('/');
    let summary: serde_json::Value =
        serde_json::from_str(&fetch(&format!("{base}.json"), MAX_KEPT_BYTES).await?)
            .map_err(|e| format!("{base}.json: {e}"))?;
    let count = |k: &str| {
        summary[k]
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| format!("{base}.json has no {k:?} count: is it a harness report page?"))
    };
    let (n, refused) = (count("kept")?, count("refused")?);
    if n == 0 {
        return Err(format!("{base} holds no report yet: sign in first"));
    }
    let junit = fetch(&format!("{base}.junit.xml"), MAX_KEPT_BYTES).await?;
    let markdown = fetch(&format!("{base}.md"), MAX_KEPT_BYTES).await?;
    std::fs::write(&o.junit, junit).map_err(|e| format!("{}: {e}", o.junit.display()))?;
    std::fs::write(&o.markdown, markdown).map_err(|e| format!("{}: {e}", o.markdown.display()))?;
    Ok((n, refused))
}

fn judge_folder(o: &Report) -> Result<(usize, usize), String> {
    let against = o.against.as_ref().ok_or(
        "a folder of captures needs what to judge them against: --idp-cert, --idp-entity-id, \
         --sp-entity-id and --acs",
    )?;
    let captures = PathBuf::from(&o.captures);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&captures)
        .map_err(|e| format!("{}: {e}", captures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{} holds no capture files", captures.display()));
    }
    if files.len() > MAX_CAPTURE_FILES {
        return Err(format!(
            "{} holds {} files; at most {MAX_CAPTURE_FILES} are judged at once",
            captures.display(),
            files.len()
        ));
    }
    let mut reports = Vec::new();
    for file in &files {
        let one = CheckResponse {
            input: file.clone(),
            against: against.clone(),
            request_id: None,
            format: Format::Text,
        };
        let mut found = run(&one)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for r in &mut found {
            r.source = format!("{name}: {}", r.source);
        }
        reports.extend(found);
    }
    std::fs::write(&o.junit, render::render(&reports, Format::Junit, false))
        .map_err(|e| format!("{}: {e}", o.junit.display()))?;
    std::fs::write(&o.markdown, render::markdown(&reports))
        .map_err(|e| format!("{}: {e}", o.markdown.display()))?;
    let refused = reports.iter().filter(|r| r.failed() > 0).count();
    Ok((reports.len(), refused))
}
