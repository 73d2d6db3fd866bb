//! Serializing a struct without some of its fields, for types we do not own.
//!
//! `aws_lambda_events`' [`ApiGatewayV2httpRequest`](aws_lambda_events::apigw::ApiGatewayV2httpRequest)
//! also carries the fields of other payloads (`type`, `methodArn`, `httpMethod`, ... of a
//! custom authorizer's request), always written, as `null` when unset. API Gateway's HTTP
//! API never sends them; [`Omitting`] leaves them out while the struct is written, so the
//! event costs one serialization, not a round trip through a `serde_json::Value`.

use serde::ser::{Error as _, Impossible, Serialize, SerializeStruct, Serializer};

/// `value` serialized without the fields named in `fields` (their serialized names).
pub struct Omitting<'a, T> {
    /// The struct to serialize.
    pub value: &'a T,
    /// The serialized names of the fields to leave out.
    pub fields: &'static [&'static str],
}

impl<T: Serialize> Serialize for Omitting<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(TopLevel {
            inner: serializer,
            fields: self.fields,
        })
    }
}

const NOT_A_STRUCT: &str = "only the fields of a struct can be omitted";

/// The serializer of the top-level value, which must be a struct.
struct TopLevel<S> {
    inner: S,
    fields: &'static [&'static str],
}

/// The struct's fields, minus the omitted ones.
struct Fields<I> {
    inner: I,
    fields: &'static [&'static str],
}

impl<I: SerializeStruct> SerializeStruct for Fields<I> {
    type Ok = I::Ok;
    type Error = I::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        if self.fields.contains(&key) {
            self.inner.skip_field(key)
        } else {
            self.inner.serialize_field(key, value)
        }
    }

    fn end(self) -> Result<Self::Ok, Self::Error> {
        self.inner.end()
    }
}

/// Methods for values that are not structs: they fail.
macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
            Err(S::Error::custom(NOT_A_STRUCT))
        }
    )*};
}

impl<S: Serializer> Serializer for TopLevel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Fields<S::SerializeStruct>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Ok(Fields {
            inner: self.inner.serialize_struct(name, len)?,
            fields: self.fields,
        })
    }

    not_a_struct! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(S::Error::custom(NOT_A_STRUCT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        kept: u8,
        left_out: Option<u8>,
        also_kept: &'static str,
    }

    #[test]
    fn named_fields_are_left_out_and_the_rest_kept_in_order() {
        let sample = Sample {
            kept: 1,
            left_out: None,
            also_kept: "x",
        };
        let json = serde_json::to_string(&Omitting {
            value: &sample,
            fields: &["leftOut"],
        })
        .expect("serializes");
        assert_eq!(json, r#"{"kept":1,"alsoKept":"x"}"#);
    }

    #[test]
    fn anything_but_a_struct_is_an_error() {
        let error = serde_json::to_string(&Omitting {
            value: &[1, 2],
            fields: &[],
        });
        assert!(error.is_err());
    }
}
