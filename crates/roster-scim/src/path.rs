//! The target of a PATCH operation (RFC 7644 §3.5.2):
//! `PATH = attrPath / valuePath [subAttr]`.

use std::fmt;
use std::str::FromStr;

use crate::filter::{AttrPath, Filter, FilterError};
use crate::parse::Parser;

/// `userName`, `name.givenName`, `members[value eq "2819c223"]`,
/// `emails[type eq "work"].value`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`.
///
/// With a `filter`, `attr` is the multi-valued attribute (never with its
/// own `sub`) and `sub` the sub-attribute after the brackets, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

impl FromStr for PatchPath {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, FilterError> {
        let mut p = Parser::new(s, "path")?;
        p.skip_ws();
        let start = p.pos();
        let attr = p.attr_path()?;
        let mut path = PatchPath { attr, filter: None, sub: None };
        if p.peek() == Some(b'[') {
            path.filter = Some(p.bracket(&path.attr, start)?);
            if p.peek() == Some(b'.') {
                p.bump();
                let at = p.pos();
                let sub = p.attr_path()?;
                if sub.uri.is_some() || sub.sub.is_some() {
                    return Err(p.error(at, "expected one sub-attribute name after \"].\""));
                }
                path.sub = Some(sub.name);
            }
        }
        p.finish("the end of the path")?;
        Ok(path)
    }
}

/// Writes the path so that parsing the text gives it back.
impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}
