//! The filter language of RFC 7644 §3.4.2.2: its syntax tree, parsed with
//! `str::parse` (the parser itself is in `parse.rs`).

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::parse::Parser;

/// Longest filter (or PATCH path) accepted, in bytes. A filter comes from a
/// query string; anything longer is not a real client's.
pub const MAX_FILTER_LEN: usize = 8 * 1024;
/// Deepest nesting of `(…)`, `not (…)` and `[…]` accepted: each level costs
/// the parser stack frames, so hostile input must not choose how many.
/// (Chains of `and`/`or` are parsed in a loop and need no limit.)
pub const MAX_FILTER_DEPTH: usize = 32;

/// `[URI ":"] ATTRNAME ["." subAttr]`, names as written (case kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// Whether `other` names this attribute, ignoring case: `"emails"`
    /// names `emails` and `emails.value`; a dotted `"emails.value"` must
    /// match the sub-attribute too. The URI is not compared.
    pub fn matches_name(&self, other: &str) -> bool {
        match other.split_once('.') {
            None => self.name.eq_ignore_ascii_case(other),
            Some((name, sub)) => {
                self.name.eq_ignore_ascii_case(name)
                    && self.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(sub))
            }
        }
    }

    /// `"name"` or `"name.sub"`, lowercased, without the URI: the key
    /// callers use to look up an attribute's definition.
    pub fn dotted(&self) -> String {
        let mut out = self.name.to_ascii_lowercase();
        if let Some(sub) = &self.sub {
            out.push('.');
            out.push_str(&sub.to_ascii_lowercase());
        }
        out
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Parses a bare attribute path, as `sortBy` and `attributes` carry them.
impl FromStr for AttrPath {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, FilterError> {
        let mut p = Parser::new(s, "attribute path")?;
        p.skip_ws();
        let path = p.attr_path()?;
        p.finish("the end of the attribute path")?;
        Ok(path)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    pub(crate) fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Present(AttrPath),
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `path[filter]`: the inner filter's paths name sub-attributes of the
    /// multi-valued attribute's values.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

impl Filter {
    /// The parts joined by top-level `and`s, left to right (a filter that is
    /// no `and` is its own single part). Any one of them narrows the result,
    /// so a caller may answer from an index on one and check the rest.
    pub fn conjuncts(&self) -> Vec<&Filter> {
        self.flatten(|f| match f {
            Filter::And(l, r) => Some((l, r)),
            _ => None,
        })
    }

    /// The parts joined by top-level `or`s, left to right.
    pub fn disjuncts(&self) -> Vec<&Filter> {
        self.flatten(|f| match f {
            Filter::Or(l, r) => Some((l, r)),
            _ => None,
        })
    }

    // A long `a and b and …` is a deep left spine; walking it with an
    // explicit stack keeps its depth off the call stack.
    fn flatten<'a>(
        &'a self,
        split: impl Fn(&'a Filter) -> Option<(&'a Filter, &'a Filter)>,
    ) -> Vec<&'a Filter> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(f) = stack.pop() {
            match split(f) {
                Some((l, r)) => {
                    stack.push(r);
                    stack.push(l);
                }
                None => out.push(f),
            }
        }
        out
    }
}

/// Writes the filter so that parsing the text gives the same tree back.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn side(f: &mut fmt::Formatter<'_>, x: &Filter, group: bool) -> fmt::Result {
            if group { write!(f, "({x})") } else { write!(f, "{x}") }
        }
        match self {
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            // Both are parsed left-associative, so a right operand of the
            // same kind needs its parentheses to come back as written.
            Filter::And(l, r) => {
                side(f, l, matches!(**l, Filter::Or(..)))?;
                f.write_str(" and ")?;
                side(f, r, matches!(**r, Filter::And(..) | Filter::Or(..)))
            }
            Filter::Or(l, r) => {
                side(f, l, false)?;
                f.write_str(" or ")?;
                side(f, r, matches!(**r, Filter::Or(..)))
            }
            Filter::Not(x) => write!(f, "not ({x})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, FilterError> {
        let mut p = Parser::new(s, "filter")?;
        let filter = p.filter()?;
        p.finish("\"and\", \"or\" or the end of the filter")?;
        Ok(filter)
    }
}

/// Why a filter or path did not parse, fit for the detail of a SCIM
/// `invalidFilter`/`invalidPath` error: what was expected, ending with the
/// character offset it refers to (`… at 9`); only the length limit's
/// message has no offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    pub message: String,
}
