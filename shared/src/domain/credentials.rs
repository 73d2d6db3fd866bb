//! What clients send to register and to log in.

use super::fields::{optional_string, required_string};
use super::password::Password;
use super::user_name::UserName;
use crate::ApiError;
use crate::http::body::JsonObject;

/// A valid registration.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The new user's name.
    pub user_name: UserName,
    /// Their password.
    pub password: Password,
}

impl Registration {
    /// Parses a registration body.
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        Ok(Self {
            user_name: UserName::parse(&required_string(body, "userName")?)?,
            password: Password::parse(&required_string(body, "password")?)?,
        })
    }
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
    /// Parses a login body.
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        let user_name = required_string(body, "userName")?;
        let password = required_string(body, "password")?;
        if user_name.len() > 256 || password.len() > 1024 {
            return Err(ApiError::InvalidCredentials);
        }
        Ok(Self {
            user_name: user_name.trim().to_ascii_lowercase(),
            password: Password::attempt(&password),
            login_type: optional_string(body, "type")?
                .filter(|t| !t.is_empty() && t.len() <= 32)
                .unwrap_or_else(|| "account".to_owned()),
        })
    }
}
