//! Properties of the input rules that no example list can cover: whatever a client sends, the
//! post-login redirect stays inside the account, email keys never merge distinct non-ASCII
//! addresses, and resource paths never escape the account.

use proptest::prelude::*;
use reference_sp::domain::{AccountId, Email, ExecutionMode, parse_resource_path};
use reference_sp::web::safe_next;

proptest! {
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
