//! Sign-up (throttled per client IP from the web; see `auth::throttle`).

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

/// Sign-up from the web: counted against the client IP's sign-up budget after the input is
/// validated and before the password is hashed (the expensive part).
pub async fn sign_up_from(engine: &Engine, input: SignUp<'_>, ip: &str) -> Result<UserId> {
    let valid = Valid::parse(&input)?;
    crate::auth::throttle::sign_up_attempt(engine, ip).await?;
    create(engine, valid).await
}

/// Sign-up without a client (the CLI, the demo seed).
pub async fn sign_up(engine: &Engine, input: SignUp<'_>) -> Result<UserId> {
    create(engine, Valid::parse(&input)?).await
}

struct Valid {
    name: PersonName,
    email: LoginEmail,
    pw: NewPassword,
}

impl Valid {
    fn parse(input: &SignUp<'_>) -> Result<Self> {
        Ok(Self { name: PersonName::parse(input.name)?, email: LoginEmail::parse(input.email)?, pw: NewPassword::parse(input.password)? })
    }
}

async fn create(engine: &Engine, Valid { name, email, pw }: Valid) -> Result<UserId> {
    let hash = password::hash(pw.expose()).await?;
    let mut tx = engine.across_tenants().await?;
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
