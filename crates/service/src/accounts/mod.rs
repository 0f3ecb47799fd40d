//! Staff accounts: who may do what, and the rules for names and passwords.
//! No storage here: `store::staff` keeps the accounts and their sessions.

pub mod password;

use serde::Serialize;

/// What a staff member does: mailroom staff check scanned paper,
/// caseworkers phone jobseekers, admins do both and see the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Mailroom,
    Caseworker,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Mailroom, Role::Caseworker, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Mailroom => "mailroom",
            Role::Caseworker => "caseworker",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sign-in name: lower case letters, digits, `.`, `_` and `-`.
pub fn normalise_name(name: &str) -> anyhow::Result<String> {
    let name = name.trim().to_lowercase();
    let length = name.chars().count();
    anyhow::ensure!(
        (2..=64).contains(&length),
        "a user name is 2 to 64 characters"
    );
    anyhow::ensure!(
        name.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "a user name has only letters, digits, `.`, `_` and `-`"
    );
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn names_are_folded_and_checked() {
        assert_eq!(normalise_name(" Anna.Virtanen ").unwrap(), "anna.virtanen");
        assert_eq!(normalise_name("märta-lisa").unwrap(), "märta-lisa");
        assert!(normalise_name("a").is_err());
        assert!(normalise_name("anna virtanen").is_err());
        assert!(normalise_name("anna;drop").is_err());
    }
}
