//! JWTs between the functions: Ed25519 (`EdDSA`) signatures.
//!
//! Only the user function holds the private key and mints tokens ([`issuer`]); the
//! rule function holds only the public key and verifies them ([`verifier`]), so a
//! compromised rule function cannot forge a session. [`session`] finds the token of a
//! request (cookie or `Authorization: Bearer`) and yields an [`session::AuthenticatedUser`].

pub mod claims;
pub mod issuer;
pub mod keys;
pub mod session;
pub mod verifier;
