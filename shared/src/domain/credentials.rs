//! What clients send to register and to log in.

use super::error::{FieldError, Reason};
use super::fields::{JsonObject, optional_string, required_string};
use super::password::Password;
use super::user_name::UserName;

/// Longest user name a login looks up, in bytes: longer ones cannot exist.
const MAX_LOGIN_NAME_BYTES: usize = 256;
/// Longest password a login checks, in bytes: longer ones cannot have been registered.
const MAX_LOGIN_PASSWORD_BYTES: usize = 1024;
/// Longest login type echoed back, in bytes.
const MAX_LOGIN_TYPE_BYTES: usize = 32;

/// A valid registration.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The new user's name.
    pub user_name: UserName,
    /// Their password.
    pub password: Password,
}

impl Registration {
    /// Parses a registration body; a password that is the user name is refused.
    pub fn parse(body: &JsonObject) -> Result<Self, FieldError> {
        let user_name = UserName::parse(&required_string(body, "userName")?)?;
        let password = Password::parse(&required_string(body, "password")?)?;
        if password.is_name(user_name.as_str()) {
            return Err(FieldError::new("password", Reason::IsTheUserName));
        }
        Ok(Self {
            user_name,
            password,
        })
    }
}

/// Why a login body is refused before any account is looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefused {
    /// A field is missing or not a string.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The name or the password is longer than any account's: a wrong one.
    #[error("the user name or password is too long to match an account")]
    CannotMatch,
}

/// A login attempt. The name is kept raw: a malformed name is simply a wrong one.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    /// The name as typed, case-folded for lookup.
    pub user_name: String,
    /// The password as typed.
    pub password: Password,
    /// The login type the frontend sent (`account` by default), echoed back.
    pub login_type: String,
}

impl LoginAttempt {
    /// The login type of a login body (`account` when absent, empty or too long), so
    /// that every answer to it, failures included, can echo it; 400 when not a string.
    pub fn login_type(body: &JsonObject) -> Result<String, FieldError> {
        Ok(optional_string(body, "type")?
            .filter(|t| !t.is_empty() && t.len() <= MAX_LOGIN_TYPE_BYTES)
            .unwrap_or_else(|| "account".to_owned()))
    }

    /// Parses a login body. A name or password too long to exist is
    /// [`LoginRefused::CannotMatch`]: to the client, any wrong name or password.
    pub fn parse(body: &JsonObject) -> Result<Self, LoginRefused> {
        let user_name = required_string(body, "userName")?;
        let password = required_string(body, "password")?;
        let login_type = Self::login_type(body)?;
        if user_name.len() > MAX_LOGIN_NAME_BYTES || password.len() > MAX_LOGIN_PASSWORD_BYTES {
            return Err(LoginRefused::CannotMatch);
        }
        Ok(Self {
            user_name: user_name.trim().to_ascii_lowercase(),
            password: Password::attempt(&password),
            login_type,
        })
    }
}

/// A request to delete one's own account: the password, re-entered.
#[derive(Debug, Clone)]
pub struct AccountDeletion {
    /// The password as typed.
    pub password: Password,
}

impl AccountDeletion {
    /// Parses `{"password": "..."}`. A password too long to have been registered is
    /// still a password: it is simply a wrong one.
    pub fn parse(body: &JsonObject) -> Result<Self, FieldError> {
        let password = required_string(body, "password")?;
        let password = if password.len() > MAX_LOGIN_PASSWORD_BYTES {
            // Never matches a stored hash, and never costs a long Argon2 run.
            Password::attempt("")
        } else {
            Password::attempt(&password)
        };
        Ok(Self { password })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::fields::object;

    #[test]
    fn a_password_that_is_the_user_name_in_any_case_is_refused() {
        let body = object(json!({"userName": "Alice.Smith", "password": "aLICE.sMITH"}));
        let error = Registration::parse(&body).expect_err("refused");
        assert_eq!(error, FieldError::new("password", Reason::IsTheUserName));
        let body = object(json!({"userName": "Alice.Smith", "password": "Alice.Smith!"}));
        assert!(Registration::parse(&body).is_ok());
    }

    #[test]
    fn a_login_too_long_to_exist_is_invalid_credentials() {
        let long_password = object(json!({"userName": "alice", "password": "x".repeat(1025)}));
        let long_name = object(json!({"userName": "a".repeat(257), "password": "12345678"}));
        for body in [long_password, long_name] {
            assert_eq!(
                LoginAttempt::parse(&body).expect_err("refused"),
                LoginRefused::CannotMatch
            );
        }
    }

    #[test]
    fn the_login_type_defaults_to_account() {
        let body = object(json!({"type": ""}));
        assert_eq!(LoginAttempt::login_type(&body), Ok("account".to_owned()));
        let body = object(json!({"type": "mobile"}));
        assert_eq!(LoginAttempt::login_type(&body), Ok("mobile".to_owned()));
    }
}
