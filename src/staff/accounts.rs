//! Creating staff accounts (`intake user add`): the checks on a name and a
//! password, the hash made off the async runtime, then the store.

use anyhow::Context;
use time::OffsetDateTime;

use super::{Role, password};
use crate::store::Store;
use crate::store::staff::StaffMember;

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

pub async fn add_user(
    store: &Store,
    name: &str,
    role: Role,
    new_password: String,
) -> anyhow::Result<StaffMember> {
    let name = normalise_name(name)?;
    password::check_new(&new_password).map_err(anyhow::Error::msg)?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .context("hashing the password")?;
    store
        .add_staff(&name, role, &hash, OffsetDateTime::now_utc())
        .await
        .context("storing the account")?
        .with_context(|| format!("the user name `{name}` is taken"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folded_and_checked() {
        assert_eq!(normalise_name(" Anna.Virtanen ").unwrap(), "anna.virtanen");
        assert_eq!(normalise_name("märta-lisa").unwrap(), "märta-lisa");
        assert!(normalise_name("a").is_err());
        assert!(normalise_name("anna virtanen").is_err());
        assert!(normalise_name("anna;drop").is_err());
    }
}
