//! JWTs between the functions: Ed25519 (`EdDSA`) signatures.
//!
//! Only the user function holds a private key and mints tokens ([`issuer`]); its
//! initializer reads the key from Secrets Manager ([`secret_source`], [`key_secret`]),
//! so no key is in any function's configuration. Both functions verify with public keys
//! only ([`verifier`], [`public_key`]), chosen by the token's `kid`, so a compromised
//! rule function cannot forge a session and a key can be rotated without logging
//! everyone out. [`session`] finds the token of a request (cookie or `Authorization:
//! Bearer`) and yields an [`session::AuthenticatedUser`].

pub mod claims;
pub mod issuer;
pub mod key_secret;
pub mod keys;
pub mod public_key;
pub mod secret_source;
pub mod session;
pub mod verifier;
