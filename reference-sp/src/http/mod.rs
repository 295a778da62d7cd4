//! The SP's HTTP surfaces: what a browser sees (pages, login and logout forms, resources), the
//! administrator's JSON API and the certificate API, and the cross-site request guard. They
//! call into [`crate::signin`] and [`crate::store`]; nothing below imports them.
//!
//! - [`browser`]: home, login form and login, logout, session, resources (R-ACC-3, R-PW-1, R-PW-6)
//! - [`pages`]: the SP's own HTML
//! - [`error_pages`]: error answers shown as pages to a browser, JSON to everyone else
//! - [`csrf`]: the Origin guard and the login token (R-PW-1, R-ACC-6)
//! - [`admin`]: users, modes, resources, composite triggers (R-ACC-*, R-CA-1)
//! - [`certificates`]: the customer's request-signing keys as Atom feeds (R-SG-1..4)

pub mod admin;
pub mod browser;
pub mod certificates;
pub mod csrf;
pub mod error_pages;
pub mod pages;
