//! Resources served under `/live/<account>/<path>` and who may see them (R-ACC-3, R-ACC-5).

use crate::domain::{AccountId, ResourceKind, Visibility};
use crate::error::ApiError;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A resource served under `/live/<account>/<path>`.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: i64,
    pub path: String,
    pub kind: ResourceKind,
    pub visibility: Visibility,
    pub content_type: String,
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Users a `named` resource is granted to.
    pub users: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct NewResource {
    pub path: String,
    pub kind: ResourceKind,
    pub visibility: Visibility,
    pub content_type: String,
    pub body: Vec<u8>,
    pub users: Vec<i64>,
}

/// Adds or replaces the resource at `res.path`, with its grants, in one transaction.
pub fn put_resource(
    conn: &mut Connection,
    account: &AccountId,
    res: &NewResource,
) -> Result<Resource, ApiError> {
    let tx = conn.transaction()?;
    for user in &res.users {
        let known = tx
            .query_row(
                "SELECT 1 FROM users WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), user],
                |_| Ok(()),
            )
            .optional()?;
        if known.is_none() {
            return Err(ApiError::UserNotFound);
        }
    }
    tx.execute(
        "INSERT INTO resources (account_id, path, kind, visibility, content_type, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id, path) DO UPDATE SET kind = excluded.kind,
             visibility = excluded.visibility, content_type = excluded.content_type,
             body = excluded.body",
        params![
            account.as_str(),
            res.path,
            res.kind.as_str(),
            res.visibility.as_str(),
            res.content_type,
            res.body
        ],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM resources WHERE account_id = ?1 AND path = ?2",
        params![account.as_str(), res.path],
        |r| r.get(0),
    )?;
    tx.execute("DELETE FROM resource_users WHERE resource_id = ?1", [id])?;
    for user in &res.users {
        tx.execute(
            "INSERT OR IGNORE INTO resource_users (resource_id, user_id) VALUES (?1, ?2)",
            params![id, user],
        )?;
    }
    tx.commit()?;
    get_resource(conn, account, &res.path)?.ok_or(ApiError::ResourceNotFound)
}

pub fn get_resource(
    conn: &Connection,
    account: &AccountId,
    path: &str,
) -> Result<Option<Resource>, ApiError> {
    let row = conn
        .query_row(
            "SELECT id, kind, visibility, content_type, body FROM resources
             WHERE account_id = ?1 AND path = ?2",
            params![account.as_str(), path],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, kind, visibility, content_type, body)) = row else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare("SELECT user_id FROM resource_users WHERE resource_id = ?1 ORDER BY user_id")?;
    let users = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(Some(Resource {
        id,
        path: path.to_owned(),
        kind: kind.parse()?,
        visibility: visibility.parse()?,
        content_type,
        body,
        users,
    }))
}

pub fn list_resources(conn: &Connection, account: &AccountId) -> Result<Vec<Resource>, ApiError> {
    let mut stmt =
        conn.prepare("SELECT path FROM resources WHERE account_id = ?1 ORDER BY path")?;
    let paths = stmt
        .query_map([account.as_str()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    paths
        .iter()
        .filter_map(|p| get_resource(conn, account, p).transpose())
        .collect()
}

/// The paths of the web interfaces `user_id` may open (R-ACC-5): public, open to everybody, or
/// granted to them; in path order, bodies not read.
pub fn applications_for(
    conn: &Connection,
    account: &AccountId,
    user_id: i64,
) -> Result<Vec<String>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT path FROM resources r WHERE account_id = ?1 AND kind = 'web_interface'
           AND (visibility IN ('public', 'everybody')
                OR EXISTS (SELECT 1 FROM resource_users u
                           WHERE u.resource_id = r.id AND u.user_id = ?2))
         ORDER BY path",
    )?;
    let paths = stmt
        .query_map(params![account.as_str(), user_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(paths)
}
