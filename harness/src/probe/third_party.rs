//! Third-party SAML service providers the probe is proven against (issue 16, item 3; R-VEN-6):
//! small apps around python3-saml (Debian's `python3-onelogin-saml2`) and node-saml (npm), in
//! the strictest configuration each library documents, kept in `harness/third-party/`. Each
//! binds a free loopback port and prints `listening on URL`; this module starts one beside a
//! mock IdP, registers it there, and gives the probe its [`Target`].

use super::{IdentityRule, Target};
use anyhow::{Context, bail};
use mock_idp::{MockIdp, RegisteredApp};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long an app may take to print its address (a cold Node.js or Python start).
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// `harness/third-party/python3-saml/sp.py`, run by Debian's `/usr/bin/python3`.
    Python3Saml,
    /// `harness/third-party/node-saml/sp.js`, run by Node.js with its `node_modules`.
    NodeSaml,
}

impl App {
    pub fn name(self) -> &'static str {
        match self {
            Self::Python3Saml => "python3-saml",
            Self::NodeSaml => "node-saml",
        }
    }

    pub fn parse(s: &str) -> anyhow::Result<Self> {
        match s {
            "python3-saml" => Ok(Self::Python3Saml),
            "node-saml" => Ok(Self::NodeSaml),
            other => bail!("no third-party SP {other:?}: python3-saml or node-saml"),
        }
    }

    /// Where the app's files are.
    pub fn dir(self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("third-party")
            .join(self.name())
    }

    fn command(self) -> Command {
        match self {
            // Debian's interpreter, which has python3-onelogin-saml2; a pyenv `python3` on
            // PATH does not.
            Self::Python3Saml => {
                let mut c = Command::new("/usr/bin/python3");
                c.arg(self.dir().join("sp.py"));
                c
            }
            Self::NodeSaml => {
                let mut c = Command::new("node");
                c.arg(self.dir().join("sp.js"));
                c
            }
        }
    }
}

/// A running third-party SP; the process is killed when this is dropped.
#[derive(Debug)]
pub struct RunningSp {
    child: Child,
    pub app: App,
    pub base_url: String,
    pub target: Target,
    /// The IdP certificate file the app was given.
    _cert: tempfile::NamedTempFile,
}

impl Drop for RunningSp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `app` as a service provider of `idp` and registers it with the IdP.
pub async fn start(app: App, idp: &MockIdp) -> anyhow::Result<RunningSp> {
    let mut cert = tempfile::NamedTempFile::new()?;
    std::io::Write::write_all(&mut cert, idp.certificate().pem().as_bytes())?;
    let mut child = app
        .command()
        .arg("--idp-entity-id")
        .arg(idp.entity_id())
        .arg("--idp-sso-url")
        .arg(idp.sso_url())
        .arg("--idp-cert")
        .arg(cert.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting the {} SP", app.name()))?;
    let stdout = child.stdout.take().context("the app's stdout")?;
    let first_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = match tokio::time::timeout(START_TIMEOUT, first_line).await {
        Ok(Ok(Ok(line))) => line,
        other => {
            let _ = child.kill();
            let status = child.wait().ok();
            bail!(
                "the {} SP did not print its address ({other:?}; exit status {status:?}); \
                 `cargo xtask deps` installs what it needs",
                app.name()
            );
        }
    };
    let Some(base_url) = line.trim().strip_prefix("listening on ") else {
        let _ = child.kill();
        bail!("the {} SP printed {line:?}, not its address", app.name());
    };
    let base_url = base_url.to_owned();
    let entity_id = format!("https://{}-sp.example/", app.name());
    let acs = format!("{base_url}/acs");
    idp.add_app(RegisteredApp::new(entity_id.clone(), acs.clone()));
    Ok(RunningSp {
        child,
        app,
        target: Target {
            entity_id,
            acs,
            start: format!("{base_url}/login"),
            whoami: format!("{base_url}/whoami"),
            identity: IdentityRule::Pointer("/user".into()),
        },
        base_url,
        _cert: cert,
    })
}
