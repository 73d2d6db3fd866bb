//! The user function's API tests: real handlers, a real DynamoDB API (dynoxide),
//! a fresh table per test created from `template.yml`, and the signing key in a
//! Secrets Manager emulator (moto), a fresh secret per test.

mod current_user;
mod events;
mod helpers;
mod login;
mod logout;
mod register;
mod sessions;
mod signing_key;
mod throttle;
