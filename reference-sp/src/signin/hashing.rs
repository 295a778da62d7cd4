//! The password-hashing pool (R-PW-1, R-PW-5; issue 10 item 1).
//!
//! argon2id with the crate's default parameters (m = 19 MiB, t = 2, p = 1: the OWASP minimum) is
//! deliberately expensive, so it runs on a fixed set of threads, one per core by default, each
//! owning one memory block that it reuses for every job. Work waits in a bounded queue; when the
//! queue is full the caller gets [`ApiError::Overloaded`] at once and nothing else happens (no
//! lockout count, no login). Before this pool every check allocated its 19 MiB afresh on tokio's
//! unbounded blocking pool: 200 concurrent logins took the process to 7.6 GB.
//!
//! Verification is checked against the argon2 crate's own
//! `verify_password` in the tests below.

use crate::error::ApiError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// The largest memory cost a stored hash may ask for (KiB); a hash asking more is not verified
/// (it never matches), so a stored value cannot make a worker allocate without bound.
const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// How many threads hash and how many jobs may wait (beyond the ones being hashed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSize {
    pub workers: usize,
    pub queue: usize,
}

impl Default for PoolSize {
    /// One worker per core, 16 waiting jobs per worker.
    fn default() -> Self {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            workers,
            queue: workers * 16,
        }
    }
}

enum Job {
    Verify {
        hash: String,
        password: String,
        reply: oneshot::Sender<bool>,
    },
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, String>>,
    },
}

/// Handle to the pool; cheap to clone. The threads stop when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: SyncSender<Job>,
    /// argon2id verifications computed so far (a stored value that is not a usable hash costs
    /// nothing and is not counted): the seam that proves every attempt costs one (R-PW-5).
    verifications: Arc<std::sync::atomic::AtomicU64>,
    /// Held so that a pool without workers still reads as full, not as stopped.
    _queue: Arc<Mutex<Receiver<Job>>>,
}

impl HashPool {
    pub fn new(size: PoolSize) -> Self {
        let (jobs, rx) = sync_channel::<Job>(size.queue);
        let rx = Arc::new(Mutex::new(rx));
        let verifications = Arc::<std::sync::atomic::AtomicU64>::default();
        // No workers is allowed: nothing is ever verified and every caller hears `overloaded`
        // (how the harness proves that answer without timing).
        for n in 0..size.workers {
            let rx = Arc::clone(&rx);
            let computed = Arc::clone(&verifications);
            // A thread that cannot start leaves the others; with none the queue fills and every
            // caller is told `overloaded`, which is the truth.
            if let Err(e) = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || worker(&rx, &computed))
            {
                tracing::error!(%e, "password-hashing thread not started");
            }
        }
        Self {
            jobs,
            verifications,
            _queue: rx,
        }
    }

    /// Whether `password` matches the stored argon2id `hash`. A malformed hash never matches.
    pub async fn verify(&self, hash: String, password: String) -> Result<bool, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            hash,
            password,
            reply,
        })?;
        answer.await.map_err(|_| lost())
    }

    /// How many argon2id verifications the workers have computed since the pool started; each
    /// is counted before its answer is sent.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A new argon2id hash of `password` with a random salt.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password, reply })?;
        answer
            .await
            .map_err(|_| lost())?
            .map_err(|e| ApiError::Internal(format!("hashing: {e}")))
    }

    fn submit(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => ApiError::Overloaded,
            TrySendError::Disconnected(_) => lost(),
        })
    }
}

fn lost() -> ApiError {
    ApiError::Internal("password-hashing pool stopped".into())
}

fn worker(rx: &Mutex<Receiver<Job>>, computed: &std::sync::atomic::AtomicU64) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        // The lock is held only while waiting for the next job, never while hashing.
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        match job {
            Job::Verify {
                hash,
                password,
                reply,
            } => {
                let verdict = verify_with(&mut memory, &hash, password.as_bytes());
                if verdict.is_some() {
                    computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                let _ = reply.send(verdict == Some(true));
            }
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&mut memory, password.as_bytes()));
            }
        }
    }
}

fn blocks<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let count = params.block_count();
    if memory.len() < count {
        memory.resize(count, Block::default());
    }
    &mut memory[..count]
}

/// Verifies as `argon2::PasswordVerifier` does, with the worker's reused memory: `None` when
/// the stored value is not a usable argon2id hash (nothing is computed, and it never matches),
/// otherwise whether `password` matches.
pub(crate) fn verify_with(memory: &mut Vec<Block>, hash: &str, password: &[u8]) -> Option<bool> {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return None;
    };
    if Algorithm::try_from(parsed.algorithm) != Ok(Algorithm::Argon2id) {
        return None;
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return None;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return None;
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return None;
    }
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return None,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return None;
    };
    let argon = Argon2::new(Algorithm::Argon2id, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        argon
            .hash_password_into_with_memory(password, salt, out, blocks(memory, &params))
            .map_err(|_| argon2::password_hash::Error::Crypto)
    });
    // Output's equality is constant-time.
    Some(computed.is_ok_and(|c| c == expected))
}

/// Hashes as `argon2::PasswordHasher` does with the default parameters, with reused memory.
pub(crate) fn hash_with(memory: &mut Vec<Block>, password: &[u8]) -> Result<String, String> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::default(), params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon
            .hash_password_into_with_memory(password, salt_bytes, out, blocks(memory, &params))
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn verification_agrees_with_the_argon2_crate() {
        let mut memory = Vec::new();
        let salt = SaltString::generate(&mut OsRng);
        let library = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let ours = hash_with(&mut memory, b"correct horse").unwrap();
        for hash in [&library, &ours] {
            let parsed = PasswordHash::new(hash).unwrap();
            for (candidate, expected) in [
                (&b"correct horse"[..], true),
                (b"correct hors", false),
                (b"", false),
            ] {
                let lib = Argon2::default()
                    .verify_password(candidate, &parsed)
                    .is_ok();
                assert_eq!(lib, expected);
                assert_eq!(
                    verify_with(&mut memory, hash, candidate),
                    Some(expected),
                    "{hash}"
                );
            }
        }
        // Memory is reused, not grown per job.
        assert_eq!(memory.len(), Params::default().block_count());
    }

    #[test]
    fn other_algorithms_and_garbage_never_match() {
        let mut memory = Vec::new();
        let salt = SaltString::generate(&mut OsRng);
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::default(), Params::default())
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert_eq!(verify_with(&mut memory, &argon2i, b"pw"), None);
        assert_eq!(verify_with(&mut memory, "", b"pw"), None);
        assert_eq!(
            verify_with(
                &mut memory,
                "$argon2id$v=19$m=999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
                b"pw"
            ),
            None
        );
    }

    #[tokio::test]
    async fn a_full_queue_answers_overloaded_at_once() {
        // A queue of one and no worker draining it.
        let (jobs, rx) = sync_channel::<Job>(1);
        let pool = HashPool {
            jobs,
            verifications: Arc::default(),
            _queue: Arc::new(Mutex::new(rx)),
        };
        let (reply, _answer) = oneshot::channel();
        pool.submit(Job::Verify {
            hash: String::new(),
            password: String::new(),
            reply,
        })
        .unwrap();
        assert!(matches!(
            pool.hash("b".into()).await,
            Err(ApiError::Overloaded)
        ));
        assert!(matches!(
            pool.verify(String::new(), "b".into()).await,
            Err(ApiError::Overloaded)
        ));
    }
}
