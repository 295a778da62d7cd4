//! Nothing acknowledged is lost when the SP is killed (issue 10, "Proof"): the real binary takes
//! user creations, resource writes and wrong-password logins from concurrent clients, is killed
//! with SIGKILL while they are in flight, and is restarted on the same store. Every write it
//! answered as done must be there, and the failed attempts counted at least the refusals it sent.

use reference_sp::process::Running;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Mutex;

const ACCOUNT: &str = "7";
const ADMIN: (&str, &str) = ("admin@contoso.com", "Admin-Durable-2026");
const TARGET: (&str, &str) = ("target@contoso.com", "Target-Durable-2026");

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// One browser's login; the answer's status.
async fn login(
    c: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Result<u16> {
    let url = format!("{base}/live/{ACCOUNT}/login?P_mode=LIVE");
    let page = c.get(&url).send().await?.text().await?;
    let token = reference_sp::http::pages::login_token_of(&page).unwrap();
    let answer = c
        .post(&url)
        .header("Origin", base)
        .form(&[
            ("email", email),
            ("password", password),
            ("login_token", &token),
        ])
        .send()
        .await?;
    Ok(answer.status().as_u16())
}

async fn admin_session(base: &str) -> reqwest::Client {
    let c = client();
    assert_eq!(login(&c, base, ADMIN.0, ADMIN.1).await.unwrap(), 303);
    c
}

/// `GET /api/<account>/<what>` as the administrator.
async fn list(admin: &reqwest::Client, base: &str, what: &str) -> serde_json::Value {
    let url = format!("{base}/api/{ACCOUNT}/{what}");
    admin.get(url).send().await.unwrap().json().await.unwrap()
}

/// `listed[key][*][name]` as strings.
fn field(listed: &serde_json::Value, key: &str, name: &str) -> Vec<String> {
    listed[key]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x[name].as_str().map(str::to_owned))
        .collect()
}

fn start(dir: &Path) -> Running {
    let seed = dir.join("seed.toml");
    Running::start(
        Path::new(env!("CARGO_BIN_EXE_reference-sp")),
        &dir.join("sp.sqlite3"),
        Some(&seed),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("seed.toml"),
        format!(
            "[[accounts]]\nid = \"{ACCOUNT}\"\nname = \"Durable\"\nmax_failed_attempts = 1000\n\n\
             [[accounts.users]]\nname = \"Admin\"\nemail = \"{}\"\npassword = \"{}\"\nprofile = \"Admin\"\n\n\
             [[accounts.users]]\nname = \"Target\"\nemail = \"{}\"\npassword = \"{}\"\n",
            ADMIN.0, ADMIN.1, TARGET.0, TARGET.1
        ),
    )
    .unwrap();
    let sp = start(dir.path());
    let base = sp.base_url().to_owned();
    let admin = admin_session(&base).await;

    let users = Arc::new(Mutex::new(Vec::<String>::new()));
    let resources = Arc::new(Mutex::new(Vec::<String>::new()));
    let refusals = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for lane in 0..3 {
        let (c, b, users) = (admin.clone(), base.clone(), Arc::clone(&users));
        writers.push(tokio::spawn(async move {
            let (admin, base) = (c, b);
            for i in 0.. {
                let email = format!("u{lane}-{i}@contoso.com");
                let sent = admin
                    .post(format!("{base}/api/{ACCOUNT}/users"))
                    .header("Origin", &base)
                    .json(&serde_json::json!({"name": format!("U {lane} {i}"), "email": email}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => users.lock().await.push(email),
                    Ok(r) => panic!("user creation answered {}", r.status()),
                    Err(_) => return, // the SP is gone
                }
            }
        }));
        let (c, b, resources) = (admin.clone(), base.clone(), Arc::clone(&resources));
        writers.push(tokio::spawn(async move {
            let (admin, base) = (c, b);
            for i in 0.. {
                let path = format!("durable/r{lane}-{i}.html");
                let sent = admin
                    .put(format!("{base}/api/{ACCOUNT}/resources/{path}"))
                    .header("Origin", &base)
                    .json(
                        &serde_json::json!({"kind": "file", "visibility": "public", "body": path}),
                    )
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => resources.lock().await.push(path),
                    Ok(r) => panic!("resource write answered {}", r.status()),
                    Err(_) => return,
                }
            }
        }));
        let (b, refusals) = (base.clone(), Arc::clone(&refusals));
        writers.push(tokio::spawn(async move {
            let base = b;
            loop {
                match login(&client(), &base, TARGET.0, "wrong-password").await {
                    Ok(303) => {
                        refusals.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(other) => panic!("wrong login answered {other}"),
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill once every kind of write has been acknowledged several times, mid-stream.
    loop {
        let enough = users.lock().await.len() >= 20
            && resources.lock().await.len() >= 20
            && refusals.load(Ordering::SeqCst) >= 5;
        if enough {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    sp.kill();
    for w in writers {
        w.await.unwrap();
    }
    let (users, resources) = (users.lock().await.clone(), resources.lock().await.clone());
    let refusals = refusals.load(Ordering::SeqCst);

    let sp = start(dir.path());
    let base = sp.base_url().to_owned();
    let admin = admin_session(&base).await;
    let listed = list(&admin, &base, "users").await;
    let stored = field(&listed, "users", "email");
    for email in &users {
        assert!(stored.contains(email), "acknowledged user {email} lost");
    }
    let target = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == TARGET.0)
        .unwrap();
    let counted = target["failed_attempts"].as_u64().unwrap() as usize;
    assert!(
        counted >= refusals,
        "{refusals} refusals acknowledged, {counted} failed attempts stored"
    );
    let stored = field(&list(&admin, &base, "resources").await, "resources", "path");
    for path in &resources {
        assert!(stored.contains(path), "acknowledged resource {path} lost");
    }
    assert!(users.len() >= 20 && resources.len() >= 20 && refusals >= 5);
}
