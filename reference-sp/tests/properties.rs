//! Properties of the input rules that no example list can cover: whatever a client sends, the
//! post-login redirect stays inside the account, email keys never merge distinct non-ASCII
//! addresses, an accepted email is exactly the input (never trimmed or normalised) and nothing with
//! whitespace, control or invisible characters is ever accepted, and resource paths never escape
//! the account.

use proptest::prelude::*;
use reference_sp::domain::{AccountId, Email, ExecutionMode, parse_resource_path};
use reference_sp::http::browser::safe_next;

/// Every whitespace, control and invisible format character: none may appear in an address.
fn forbidden_chars() -> Vec<char> {
    (0..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .filter(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(*c as u32, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF)
        })
        .collect()
}

proptest! {
    #[test]
    fn nothing_with_whitespace_control_or_invisible_characters_is_an_email(
        c in prop::sample::select(forbidden_chars()),
        at in 0usize..=19,
    ) {
        let mut raw = String::from("b.simon@contoso.com");
        raw.insert(at, c);
        prop_assert!(Email::parse(&raw).is_err(), "{raw:?} was accepted");
    }

    #[test]
    fn an_accepted_email_is_exactly_the_input_and_keys_fold_ascii_case_only(
        a in "[a-zA-Z0-9é-ÿ\u{212A}\u{130}\u{131}\u{17F}.+_ \t-]{1,8}@[a-zA-Z\u{212A}.-]{1,6}",
        b in "[a-zA-Z0-9é-ÿ\u{212A}\u{130}\u{131}\u{17F}.+_ \t-]{1,8}@[a-zA-Z\u{212A}.-]{1,6}",
    ) {
        let (pa, pb) = (Email::parse(&a), Email::parse(&b));
        for (raw, parsed) in [(&a, &pa), (&b, &pb)] {
            if let Ok(e) = parsed {
                prop_assert_eq!(e.as_str(), raw.as_str());
                prop_assert!(!raw.chars().any(char::is_whitespace));
            }
        }
        if let (Ok(ea), Ok(eb)) = (pa, pb) {
            prop_assert_eq!(ea.key() == eb.key(), a.eq_ignore_ascii_case(&b), "{:?} {:?}", a, b);
        }
    }

    #[test]
    fn the_post_login_redirect_never_leaves_the_account(next in any::<String>(), prefixed in any::<bool>()) {
        let account: AccountId = "112501524864919680".parse().unwrap();
        let next = if prefixed { format!("/live/112501524864919680{next}") } else { next };
        let target = safe_next(&account, ExecutionMode::Test, Some(&next));
        let inside = target == "/live/112501524864919680"
            || target.starts_with("/live/112501524864919680/")
            || target.starts_with("/live/112501524864919680?");
        prop_assert!(inside, "{target}");
        prop_assert!(!target.contains("//") && !target.contains('\\'), "{target}");
        // Resolved as a browser resolves a Location, it is still inside the account.
        let base = url::Url::parse("https://live.example/").unwrap();
        let landed = base.join(&target).unwrap();
        prop_assert_eq!(landed.host_str(), Some("live.example"));
        let path = landed.path();
        prop_assert!(
            path == "/live/112501524864919680" || path.starts_with("/live/112501524864919680/"),
            "{target} lands on {path}"
        );
    }

    #[test]
    fn dot_segments_and_encodings_cannot_walk_out_of_the_account(
        tail in prop::sample::select(vec!["..", ".%2E", "%2e.", "%2E%2E", ".", "%2e", "..\\", "\\..", "x"]),
        depth in 1usize..4,
        rest in "[a-z/]{0,8}",
    ) {
        let account: AccountId = "112501524864919680".parse().unwrap();
        let next = format!("/live/112501524864919680/{}/{rest}", vec![tail; depth].join("/"));
        let target = safe_next(&account, ExecutionMode::Test, Some(&next));
        let landed = url::Url::parse("https://live.example/").unwrap().join(&target).unwrap();
        prop_assert!(
            landed.path() == "/live/112501524864919680"
                || landed.path().starts_with("/live/112501524864919680/"),
            "{next} -> {target} lands on {}", landed.path()
        );
    }

    #[test]
    fn email_keys_differ_when_addresses_differ_beyond_ascii_case(a in "[a-zA-Zé-ÿ.]{1,8}@[a-z]{1,5}\\.com", b in "[a-zA-Zé-ÿ.]{1,8}@[a-z]{1,5}\\.com") {
        if let (Ok(ea), Ok(eb)) = (Email::parse(&a), Email::parse(&b)) {
            prop_assert_eq!(ea.key() == eb.key(), a.eq_ignore_ascii_case(&b));
        }
    }

    #[test]
    fn accepted_resource_paths_have_no_dot_segments(path in "[a-z./%_-]{0,20}") {
        if let Ok(p) = parse_resource_path(&path) {
            prop_assert!(p.split('/').all(|s| !s.is_empty() && s != "." && s != ".."), "{p}");
            prop_assert!(!p.contains('%'));
        }
    }
}
