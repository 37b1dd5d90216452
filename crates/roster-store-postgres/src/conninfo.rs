//! Taking libpq's TLS parameters out of a connection string.
//!
//! tokio-postgres knows `sslmode` `disable`, `prefer` and `require` only,
//! and rejects `sslrootcert` as an unknown option, so both are read here
//! and removed before the driver parses the rest. Both spellings libpq
//! accepts are handled: a `postgres://` URL (parameters in the query,
//! percent-encoded) and a `key=value` string (values optionally quoted).

use std::borrow::Cow;

/// A connection string without its TLS parameters, and those parameters.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub rest: String,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
}

impl Split {
    fn take(&mut self, key: &str, value: String) -> bool {
        match key {
            "sslmode" => self.sslmode = Some(value),
            "sslrootcert" => self.sslrootcert = Some(value),
            _ => return false,
        }
        true
    }
}

pub fn split(conn: &str) -> Split {
    if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        split_url(conn)
    } else {
        split_key_value(conn).unwrap_or_else(|| Split { rest: conn.to_owned(), ..Split::default() })
    }
}

fn decode(s: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy()
}

fn split_url(url: &str) -> Split {
    let Some((base, query)) = url.split_once('?') else {
        return Split { rest: url.to_owned(), ..Split::default() };
    };
    let mut out = Split::default();
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !out.take(&decode(key), decode(value).into_owned()) {
            kept.push(pair);
        }
    }
    out.rest = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    out
}

/// `None` when the string is malformed: the driver then reports it, in
/// its own words, as it always did.
fn split_key_value(conn: &str) -> Option<Split> {
    let bytes = conn.as_bytes();
    let skip_space = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut out = Split::default();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = skip_space(0);
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &conn[start..i];
        i = skip_space(i);
        if bytes.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_space(i + 1);
        let mut value = Vec::new();
        if bytes.get(i) == Some(&b'\'') {
            i += 1;
            loop {
                match bytes.get(i)? {
                    b'\\' => {
                        value.push(*bytes.get(i + 1)?);
                        i += 2;
                    }
                    b'\'' => {
                        i += 1;
                        break;
                    }
                    b => {
                        value.push(*b);
                        i += 1;
                    }
                }
            }
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                value.push(*bytes.get(i)?);
                i += 1;
            }
        }
        if !out.take(key, String::from_utf8_lossy(&value).into_owned()) {
            kept.push(&conn[start..i]);
        }
        i = skip_space(i);
    }
    out.rest = kept.join(" ");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(rest: &str, mode: Option<&str>, root: Option<&str>) -> Split {
        Split {
            rest: rest.to_owned(),
            sslmode: mode.map(str::to_owned),
            sslrootcert: root.map(str::to_owned),
        }
    }

    #[test]
    fn url_parameters_are_taken_out_and_the_rest_kept_verbatim() {
        assert_eq!(
            split(
                "postgres://u@h:5/db?sslmode=verify-full&application_name=a%20b&sslrootcert=%2Ftmp%2Fca.pem"
            ),
            s(
                "postgres://u@h:5/db?application_name=a%20b",
                Some("verify-full"),
                Some("/tmp/ca.pem")
            )
        );
        assert_eq!(
            split("postgresql://h/db?sslmode=require"),
            s("postgresql://h/db", Some("require"), None)
        );
        assert_eq!(split("postgres://h/db"), s("postgres://h/db", None, None));
    }

    #[test]
    fn key_value_parameters_are_taken_out_quotes_and_escapes_included() {
        assert_eq!(
            split("host=h  sslmode = verify-ca sslrootcert='/a b/it\\'s.pem' dbname=x"),
            s("host=h dbname=x", Some("verify-ca"), Some("/a b/it's.pem"))
        );
        assert_eq!(split("sslrootcert=a\\ b.pem"), s("", None, Some("a b.pem")));
    }

    #[test]
    fn a_malformed_key_value_string_is_left_to_the_driver() {
        assert_eq!(split("host=h sslmode"), s("host=h sslmode", None, None));
        assert_eq!(split("sslrootcert='open"), s("sslrootcert='open", None, None));
    }
}
