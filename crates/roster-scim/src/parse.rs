//! The parser of filters and attribute paths: a hand-written recursive
//! descent over bytes. It follows RFC 7644's ABNF but is lenient where
//! clients commonly differ (extra whitespace, keywords in any case) and
//! strict where a guess could widen a query (an unknown operator, a bare
//! word as a value, trailing text).

use std::fmt;

use serde_json::Value;

use crate::filter::{AttrPath, CompareOp, Filter, FilterError, MAX_FILTER_DEPTH, MAX_FILTER_LEN};

pub(crate) struct Parser<'a> {
    src: &'a str,
    /// What is parsed, for messages: "filter", "path", "attribute path".
    what: &'static str,
    pos: usize,
    depth: usize,
    in_value_filter: bool,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, what: &'static str) -> Result<Self, FilterError> {
        if src.len() > MAX_FILTER_LEN {
            return Err(FilterError {
                message: format!("the {what} is longer than the limit of {MAX_FILTER_LEN} bytes"),
            });
        }
        Ok(Parser { src, what, pos: 0, depth: 0, in_value_filter: false })
    }

    pub(crate) fn error(&self, at: usize, what: impl fmt::Display) -> FilterError {
        FilterError { message: format!("{what} at {}", self.offset(at)) }
    }

    // Offsets count characters: that is what a client sees in its text.
    fn offset(&self, at: usize) -> usize {
        self.src.get(..at).map_or(at, |s| s.chars().count())
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn bump(&mut self) {
        self.pos += 1;
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.src.get(from..to).unwrap_or("")
    }

    pub(crate) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        self.pos > start
    }

    pub(crate) fn finish(&mut self, expected: &str) -> Result<(), FilterError> {
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some(_) => {
                let found = quote(self.slice(self.pos, self.src.len()));
                Err(self.error(self.pos, format!("expected {expected}, found {found}")))
            }
        }
    }

    pub(crate) fn filter(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.conjunction()?;
        while self.keyword("or") {
            let right = self.conjunction()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conjunction(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.term()?;
        while self.keyword("and") {
            let right = self.term()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// Consumes `kw` (any case) if it is the next whole word.
    fn keyword(&mut self, kw: &str) -> bool {
        let save = self.pos;
        self.skip_ws();
        let end = self.pos + kw.len();
        let bytes = self.src.as_bytes();
        let found = bytes.get(self.pos..end).is_some_and(|w| w.eq_ignore_ascii_case(kw.as_bytes()))
            && !bytes.get(end).is_some_and(|&b| is_path_byte(b));
        self.pos = if found { end } else { save };
        found
    }

    fn term(&mut self) -> Result<Filter, FilterError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some(b'(') {
            return self.group();
        }
        if self.not_ahead() {
            self.pos += 3;
            self.skip_ws();
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        let path = self.attr_path()?;
        if self.peek() == Some(b'[') {
            let filter = Box::new(self.bracket(&path, start)?);
            return Ok(Filter::ValuePath { path, filter });
        }
        self.expression(path, start)
    }

    // `not` is only the operator when a "(" follows: an attribute may be
    // called `not`.
    fn not_ahead(&self) -> bool {
        let bytes = self.src.as_bytes();
        if !bytes.get(self.pos..self.pos + 3).is_some_and(|w| w.eq_ignore_ascii_case(b"not")) {
            return false;
        }
        let rest = &bytes[(self.pos + 3).min(bytes.len())..];
        rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'(')
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(
                self.error(at, format!("the filter nests deeper than {MAX_FILTER_DEPTH} levels"))
            );
        }
        Ok(())
    }

    fn group(&mut self) -> Result<Filter, FilterError> {
        let open = self.pos;
        if self.peek() != Some(b'(') {
            return Err(self.error(open, "expected \"(\" after \"not\""));
        }
        self.enter(open)?;
        self.bump();
        let inner = self.filter()?;
        self.close(('(', ')'), open)?;
        Ok(inner)
    }

    fn close(&mut self, (o, c): (char, char), open: usize) -> Result<(), FilterError> {
        self.skip_ws();
        if self.peek() != Some(c as u8) {
            let opened = self.offset(open);
            return Err(self
                .error(self.pos, format!("expected \"{c}\" (to close the \"{o}\" at {opened})")));
        }
        self.bump();
        self.depth -= 1;
        Ok(())
    }

    /// The `[valFilter]` after `path`; the caller is at the "[".
    pub(crate) fn bracket(&mut self, path: &AttrPath, start: usize) -> Result<Filter, FilterError> {
        let open = self.pos;
        if self.in_value_filter {
            return Err(self.error(open, "a value filter cannot contain another value filter"));
        }
        if path.sub.is_some() {
            let text = quote(self.slice(start, open));
            let what =
                "a value filter applies to a multi-valued attribute, not to the sub-attribute";
            return Err(self.error(open, format!("{what} {text}")));
        }
        self.enter(open)?;
        self.bump();
        self.in_value_filter = true;
        let inner = self.filter();
        self.in_value_filter = false;
        let inner = inner?;
        self.close(('[', ']'), open)?;
        Ok(inner)
    }

    /// `attrPath SP "pr"` or `attrPath SP compareOp SP compValue`, after the path.
    fn expression(&mut self, path: AttrPath, start: usize) -> Result<Filter, FilterError> {
        let text = quote(self.slice(start, self.pos));
        let spaced = self.skip_ws();
        let at = self.pos;
        let word = self.word();
        if word.eq_ignore_ascii_case("pr") && spaced {
            return Ok(Filter::Present(path));
        }
        let op = CompareOp::from_word(word).filter(|_| spaced);
        let Some(op) = op else {
            if path.uri.is_none() && path.sub.is_none() && path.name.eq_ignore_ascii_case("not") {
                return Err(self.error(at, "expected \"(\" after \"not\""));
            }
            let found =
                if word.is_empty() { String::new() } else { format!(", found {}", quote(word)) };
            let ops = "eq, ne, co, sw, ew, gt, ge, lt, le";
            let what =
                format!("expected a comparison operator ({ops}) or \"pr\" after {text}{found}");
            return Err(self.error(at, what));
        };
        self.skip_ws();
        let value = self.comp_value(op)?;
        Ok(Filter::Compare { path, op, value })
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    fn comp_value(&mut self, op: CompareOp) -> Result<Value, FilterError> {
        let at = self.pos;
        let expected =
            "expected a value (a string in double quotes, a number, true, false or null)";
        match self.peek() {
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => {
                while self
                    .peek()
                    .is_some_and(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    self.pos += 1;
                }
                let text = self.slice(at, self.pos);
                serde_json::from_str::<serde_json::Number>(text).map(Value::Number).map_err(|_| {
                    self.error(at, format!("expected a JSON number, found {}", quote(text)))
                })
            }
            Some(b) if b.is_ascii_alphabetic() => match self.word().to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" => Ok(Value::Null),
                word => {
                    Err(self.error(at, format!("{expected} after \"{op}\", found {}", quote(word))))
                }
            },
            _ => Err(self.error(at, format!("{expected} after \"{op}\""))),
        }
    }

    fn string(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        loop {
            match bytes.get(i) {
                None => return Err(self.error(start, "unterminated string starting")),
                Some(b'\\') => i += 2,
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        serde_json::from_str(self.slice(start, i + 1)).map_err(|_| {
            self.error(start, "invalid string (a bad escape or a raw control character) starting")
        })
    }

    /// `[URI ":"] ATTRNAME ["." subAttr]`. Schema URIs hold colons and dots
    /// (`…:enterprise:2.0:User:manager.value`), so the whole run is read
    /// first and split at its last ":", then at the first "." after it.
    pub(crate) fn attr_path(&mut self) -> Result<AttrPath, FilterError> {
        let start = self.pos;
        while self.peek().is_some_and(is_path_byte) {
            self.pos += 1;
        }
        let token = self.slice(start, self.pos);
        if token.is_empty() {
            let what = if self.what == "filter" || self.in_value_filter {
                "expected an attribute name, \"(\" or \"not (\""
            } else {
                "expected an attribute name"
            };
            return Err(self.error(start, what));
        }
        let (uri, rest, rest_at) = match token.rsplit_once(':') {
            Some((uri, rest)) => {
                if uri.is_empty() {
                    return Err(self.error(start, "expected a schema URI before \":\""));
                }
                (Some(uri.to_owned()), rest, start + uri.len() + 1)
            }
            None => (None, token, start),
        };
        let (name, sub) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        self.check_name(name, rest_at)?;
        if let Some(sub) = sub {
            self.check_name(sub, rest_at + name.len() + 1)?;
        }
        Ok(AttrPath { uri, name: name.to_owned(), sub: sub.map(str::to_owned) })
    }

    /// `ATTRNAME = ALPHA *(nameChar)`, or `$ref` (RFC 7643 §2.1's reference
    /// sub-attribute, which the ABNF forgot).
    pub(crate) fn check_name(&self, name: &str, at: usize) -> Result<(), FilterError> {
        let mut chars = name.bytes();
        let ok = name.eq_ignore_ascii_case("$ref")
            || (chars.next().is_some_and(|b| b.is_ascii_alphabetic())
                && chars.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        if ok {
            return Ok(());
        }
        let what = if name.is_empty() {
            "expected an attribute name".to_owned()
        } else {
            format!(
                "{} is not an attribute name (a letter, then letters, digits, \"-\" or \"_\")",
                quote(name)
            )
        };
        Err(self.error(at, what))
    }
}

/// Bytes an attribute path may hold, its schema URI included.
fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b':' | b'.' | b'_' | b'-' | b'$' | b'/' | b'#' | b'%' | b'+' | b'~')
}

/// Quotes client text for a message, escaped (it may hold quotes and
/// control characters) and cut short: the message is echoed back and must
/// not grow with the input.
fn quote(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}
