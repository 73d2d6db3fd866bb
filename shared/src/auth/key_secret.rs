//! The signing-key secret: what `scripts/jwt-keys.py` keeps in Secrets Manager and the
//! user function's initializer reads (the local platform writes the same shape).
//!
//! ```json
//! {"signingKeyId": "<kid>",
//!  "keys": [{"kid": "<kid>", "privateKey": "<PKCS#8 PEM>", "publicKey": "<SPKI PEM>"}]}
//! ```
//!
//! The function signs with the entry whose `kid` is its deployed `JWT_SIGNING_KEY_ID`;
//! `signingKeyId` is the operator's record of what the next deploy should use, and the
//! function ignores it, so a key switch happens with a deploy (a new version, released
//! like any other) and not behind running instances' backs. Every `kid` must be the
//! thumbprint of its entry's private key ([`super::public_key`]): a mislabelled entry is
//! refused rather than used. The first format of this secret, `{"privateKey",
//! "publicKey"}`, reads as a set of one key.

use serde::{Deserialize, Serialize};

use super::keys::KeyPair;
use super::public_key::{InvalidKey, PublicKey};

/// Why the secret cannot give the signing key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySecretError {
    /// The secret is not the JSON object described above.
    #[error("the secret is not a JSON key set: {0}")]
    NotAKeySet(String),
    /// No entry has the requested key id.
    #[error("the secret holds no key with kid {wanted} (it holds {held:?})")]
    UnknownKeyId {
        /// The deployed `JWT_SIGNING_KEY_ID`.
        wanted: String,
        /// The kids it holds.
        held: Vec<String>,
    },
    /// An entry's private key is not a usable Ed25519 key.
    #[error("the secret's key {kid}: {source}")]
    InvalidKey {
        /// The entry's kid.
        kid: String,
        /// What is wrong with it.
        #[source]
        source: InvalidKey,
    },
    /// An entry's kid is not the thumbprint of its key.
    #[error("the secret's entry labelled {labelled} holds the key {actual}")]
    Mislabelled {
        /// The kid the entry claims.
        labelled: String,
        /// The thumbprint of its key.
        actual: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
    private_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_key_id: Option<String>,
    #[serde(default)]
    keys: Vec<Entry>,
    /// The first format: one key at the top level.
    #[serde(default, skip_serializing)]
    private_key: Option<String>,
}

/// The signing key chosen from the secret.
#[derive(Clone)]
pub struct SecretSigningKey {
    /// PKCS#8 PEM, for [`super::issuer::TokenIssuer`].
    pub private_pem: String,
    /// Its public half and key id.
    pub public: PublicKey,
}

impl std::fmt::Debug for SecretSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSigningKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// The entry of `secret` (the secret's text) whose kid is `kid`.
pub fn signing_key(secret: &str, kid: &str) -> Result<SecretSigningKey, KeySecretError> {
    let document: Document =
        serde_json::from_str(secret).map_err(|e| KeySecretError::NotAKeySet(e.to_string()))?;
    let mut entries = document.keys;
    if let Some(private_key) = document.private_key {
        entries.push(Entry {
            kid: None,
            private_key,
            public_key: None,
        });
    }
    let mut held = Vec::new();
    for entry in entries {
        let labelled = entry.kid.clone();
        let public = PublicKey::of_private_pem(&entry.private_key).map_err(|source| {
            KeySecretError::InvalidKey {
                kid: labelled
                    .clone()
                    .unwrap_or_else(|| "(unlabelled)".to_owned()),
                source,
            }
        })?;
        if let Some(labelled) = labelled.filter(|l| l != public.kid()) {
            return Err(KeySecretError::Mislabelled {
                labelled,
                actual: public.kid().to_owned(),
            });
        }
        if public.kid() == kid {
            return Ok(SecretSigningKey {
                private_pem: entry.private_key,
                public,
            });
        }
        held.push(public.kid().to_owned());
    }
    if held.is_empty() {
        return Err(KeySecretError::NotAKeySet("it holds no key".to_owned()));
    }
    Err(KeySecretError::UnknownKeyId {
        wanted: kid.to_owned(),
        held,
    })
}

/// The secret's text for `keys`, recording `signing` as the key to sign with (for the
/// local platform and tests; deployed secrets are written by `scripts/jwt-keys.py`).
pub fn secret_text(keys: &[KeyPair], signing: &str) -> String {
    let document = Document {
        signing_key_id: Some(signing.to_owned()),
        keys: keys
            .iter()
            .map(|pair| Entry {
                kid: pair.public_key().map(|p| p.kid().to_owned()),
                private_key: pair.private_pem.clone(),
                public_key: Some(pair.public_pem.clone()),
            })
            .collect(),
        private_key: None,
    };
    serde_json::to_string(&document).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (KeyPair, String) {
        let pair = KeyPair::generate().expect("pair");
        let kid = pair.public_key().expect("public").kid().to_owned();
        (pair, kid)
    }

    #[test]
    fn the_entry_with_the_deployed_kid_signs() {
        let ((old, old_kid), (new, new_kid)) = (pair(), pair());
        let secret = secret_text(&[old.clone(), new.clone()], &new_kid);
        let key = signing_key(&secret, &old_kid).expect("old key");
        assert_eq!(key.private_pem, old.private_pem);
        assert_eq!(key.public.kid(), old_kid);
        let key = signing_key(&secret, &new_kid).expect("new key");
        assert_eq!(key.private_pem, new.private_pem);
    }

    #[test]
    fn the_first_format_reads_as_one_key() {
        let (pair, kid) = pair();
        let secret =
            serde_json::json!({"privateKey": pair.private_pem, "publicKey": pair.public_pem});
        let key = signing_key(&secret.to_string(), &kid).expect("legacy secret");
        assert_eq!(key.public.kid(), kid);
    }

    #[test]
    fn an_unknown_kid_names_what_the_secret_holds() {
        let ((a, a_kid), (_, b_kid)) = (pair(), pair());
        let error = signing_key(&secret_text(&[a], &a_kid), &b_kid).expect_err("unknown");
        assert_eq!(
            error,
            KeySecretError::UnknownKeyId {
                wanted: b_kid,
                held: vec![a_kid]
            }
        );
    }

    #[test]
    fn a_mislabelled_entry_is_refused() {
        let ((a, _), (_, b_kid)) = (pair(), pair());
        let secret = serde_json::json!({"keys": [{"kid": b_kid, "privateKey": a.private_pem}]});
        let error = signing_key(&secret.to_string(), &b_kid).expect_err("mislabelled");
        assert!(
            matches!(error, KeySecretError::Mislabelled { .. }),
            "{error}"
        );
    }

    #[test]
    fn text_that_is_no_key_set_is_refused() {
        for text in [
            "not json",
            "{}",
            r#"{"keys": []}"#,
            r#"{"keys": [{"privateKey": "x"}]}"#,
        ] {
            assert!(signing_key(text, "kid").is_err(), "{text}");
        }
    }
}
