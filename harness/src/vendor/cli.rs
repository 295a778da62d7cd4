//! The `harness check-response` command: reads its files, judges every capture, renders, and
//! chooses the exit code (0 nothing failed, 1 a rule failed, 2 the input cannot be judged).

use super::render::{self, Format};
use super::{Expectations, MessageReport, Profile, check_response as judge, input};
use chrono::{DateTime, Utc};
use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct CheckResponse {
    pub input: PathBuf,
    pub idp_cert: PathBuf,
    pub idp_entity_id: String,
    pub sp_entity_id: String,
    pub acs: String,
    pub request_id: Option<String>,
    pub now: Option<String>,
    pub profile: Option<Profile>,
    pub format: Format,
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
    let now = match &o.now {
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map_err(|e| format!("--now {raw:?}: {e}"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let expect = Expectations {
        idp_certificate: read(&o.idp_cert)?,
        idp_entity_id: o.idp_entity_id.clone(),
        sp_entity_id: o.sp_entity_id.clone(),
        acs_url: o.acs.clone(),
        request_id: o.request_id.clone(),
        now,
        profile: o.profile,
    };
    let captured = input::extract(&read(&o.input)?)?;
    captured
        .iter()
        .map(|c| judge(&c.source, &c.encoded, &expect).map_err(|e| e.to_string()))
        .collect()
}
