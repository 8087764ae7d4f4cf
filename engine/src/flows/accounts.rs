//! Sign-up.

use crate::auth::password;
use crate::store::{audit, users};
use crate::{Engine, Result};
use domain::account::{LoginEmail, NewPassword, PersonName};
use domain::ids::UserId;
use serde_json::json;

/// Input as typed by the person; parsed here so every caller validates the same way.
pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

pub async fn sign_up(engine: &Engine, input: SignUp<'_>) -> Result<UserId> {
    let name = PersonName::parse(input.name)?;
    let email = LoginEmail::parse(input.email)?;
    let pw = NewPassword::parse(input.password)?;
    let hash = password::hash(pw.expose()).await?;
    let mut tx = engine.pool.begin().await?;
    let id = users::insert(&mut tx, &email, &name, &hash).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: None,
            actor: Some(id),
            action: "user.sign_up",
            target_type: "user",
            target_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "email": email.as_str(), "name": name.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
