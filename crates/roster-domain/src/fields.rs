//! Validated field values. A value of one of these types has passed its
//! rule, so whatever holds one never checks it again: the edge parses a
//! request into them and the use cases and the model take them as they are.
//!
//! Parsing answers the rule's words only (`must be at most 255 characters`);
//! the caller knows which field it was reading and names it.

use crate::text;

macro_rules! checked_string {
    ($(#[$meta:meta])* $name:ident, $check:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name<const MAX: usize>(String);

        impl<const MAX: usize> $name<MAX> {
            pub const MAX: usize = MAX;

            pub fn parse(s: &str) -> Result<Self, String> {
                $check("", s, MAX).map_err(|e| e.detail)?;
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }
    };
}

checked_string!(
    /// Free text: any characters but NUL, at most `MAX` characters.
    Text,
    text::check_text
);

checked_string!(
    /// An identifier: not blank, no control characters, at most `MAX`
    /// characters.
    Ident,
    text::check_identifier
);

/// An email address (see `text::check_email`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(s: &str) -> Result<Self, String> {
        text::check_email("", s, Self::MAX).map_err(|e| e.detail)?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_type_holds_only_what_its_rule_accepts() {
        assert_eq!(Text::<3>::parse("abc").unwrap().as_str(), "abc");
        assert_eq!(Text::<3>::parse("abcd").unwrap_err(), "must be at most 3 characters");
        assert_eq!(Text::<9>::parse("a\0").unwrap_err(), "must not contain NUL characters");
        assert_eq!(Ident::<9>::parse("  ").unwrap_err(), "must not be empty");
        assert_eq!(Ident::<9>::parse("a\tb").unwrap_err(), "must not contain control characters");
        assert!(Email::parse("a@b.co").is_ok());
        assert_eq!(
            Email::parse("nope").unwrap_err(),
            "must be an email address like name@example.com"
        );
    }
}
