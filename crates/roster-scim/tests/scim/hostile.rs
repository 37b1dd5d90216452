//! Whatever text comes in, the parsers answer a value or an error, never a
//! panic, and whatever parses evaluates and prints back to itself.

use roster_scim::{AttrPath, Filter, PatchPath, matches};

use crate::{RFC_EXAMPLES, sample_user};

/// Runs every parser on `text`; what parses must survive evaluation and
/// come back unchanged from its display.
fn exercise(text: &str) -> bool {
    let _ = text.parse::<AttrPath>();
    if let Ok(path) = text.parse::<PatchPath>() {
        assert_eq!(path.to_string().parse::<PatchPath>().as_ref(), Ok(&path), "{text:?}");
    }
    match text.parse::<Filter>() {
        Ok(filter) => {
            let user = sample_user();
            let whole = matches(&filter, &user, &|_| false);
            let _ = matches(&filter, &user, &|p| p.len() % 2 == 0);
            // The parts an index may answer from mean the whole, together.
            let parts = filter.conjuncts().iter().all(|f| matches(f, &user, &|_| false));
            assert_eq!(whole, parts, "{text:?}");
            let either = filter.disjuncts().iter().any(|f| matches(f, &user, &|_| false));
            assert_eq!(whole, either, "{text:?}");
            let printed = filter.to_string();
            assert_eq!(
                printed.parse::<Filter>().as_ref(),
                Ok(&filter),
                "{text:?} printed as {printed:?}"
            );
            true
        }
        Err(e) => {
            assert!(e.message.len() < 400, "{text:?}: {e}");
            false
        }
    }
}

#[test]
fn every_prefix_and_suffix_of_the_examples_parses_or_errs() {
    for text in RFC_EXAMPLES {
        for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
            exercise(&text[..i]);
            exercise(&text[i..]);
        }
    }
}

/// xorshift64*: enough randomness to stir the soup, reproducible per run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\\",
    ".",
    ":",
    " ",
    "  ",
    "\t",
    "$ref",
    "a",
    "emails",
    "value",
    "type",
    "userName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
    "2.0",
    " eq ",
    " ne ",
    " co ",
    " sw ",
    " gt ",
    " le ",
    " pr",
    " and ",
    " or ",
    "not ",
    "not (",
    " EQ ",
    " Pr",
    "true",
    "null",
    "false",
    "0",
    "-1.5e3",
    "1e999",
    "\"work\"",
    "\"x\\\"y\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "é",
    "😀",
    "\u{0}",
    "\n",
    "-",
    "_",
    "#",
    "/",
    "%",
    "'",
];

#[test]
fn soup_of_filter_pieces_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for _ in 0..30_000 {
        let len = 1 + rng.below(12);
        let text: String = (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        parsed += usize::from(exercise(&text));
    }
    // The soup must reach past the first error now and then.
    println!("{parsed} of 30000 soup filters parsed");
    assert!(parsed > 100, "only {parsed} filters parsed");
}

const PATHS: &[&str] = &[
    "userName",
    "title",
    "emails",
    "emails.value",
    "emails.type",
    "name.givenName",
    "groups",
    "loginCount",
    "active",
    "meta.lastModified",
    "missing",
    "members.$ref",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
];
const OPS: &[&str] = &["eq", "NE", "co", "Sw", "ew", "gt", "GE", "lt", "le"];
const VALUES: &[&str] =
    &["\"work\"", "\"B\"", "\"\"", "42", "-0.5", "1e2", "true", "FALSE", "null", "\"\\u00e9\\\"\""];
const SPACE: &[&str] = &[" ", " ", " ", "  ", "\t"];

/// A random filter the grammar allows, `depth` levels deep at most.
fn grammatical(rng: &mut Rng, depth: usize, in_brackets: bool) -> String {
    let sp = |rng: &mut Rng| SPACE[rng.below(SPACE.len())];
    let pick = |rng: &mut Rng, from: &[&str]| from[rng.below(from.len())].to_owned();
    match if depth == 0 { rng.below(2) } else { rng.below(7) } {
        0 => format!("{}{}pr", pick(rng, PATHS), sp(rng)),
        1 => format!(
            "{}{}{}{}{}",
            pick(rng, PATHS),
            sp(rng),
            pick(rng, OPS),
            sp(rng),
            pick(rng, VALUES)
        ),
        2 => format!(
            "{}{}and{}{}",
            grammatical(rng, depth - 1, in_brackets),
            sp(rng),
            sp(rng),
            grammatical(rng, depth - 1, in_brackets)
        ),
        3 => format!(
            "{}{}OR{}{}",
            grammatical(rng, depth - 1, in_brackets),
            sp(rng),
            sp(rng),
            grammatical(rng, depth - 1, in_brackets)
        ),
        4 => format!("not{}({})", sp(rng), grammatical(rng, depth - 1, in_brackets)),
        5 => format!("({})", grammatical(rng, depth - 1, in_brackets)),
        _ if in_brackets => format!("{} pr", pick(rng, PATHS)),
        _ => format!(
            "{}[{}]",
            pick(rng, &["emails", "groups", "name", "ims"]),
            grammatical(rng, depth - 1, true)
        ),
    }
}

#[test]
fn grammatical_filters_parse_evaluate_and_print_back() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..20_000 {
        let text = grammatical(&mut rng, 4, false);
        assert!(exercise(&text), "{text:?} did not parse: {:?}", text.parse::<Filter>());
        // The same text broken in one place must still not panic.
        let mut bytes = text.into_bytes();
        let at = rng.below(bytes.len());
        match rng.below(3) {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.truncate(at),
            _ => bytes.insert(at, b"()[]\" .:\\"[rng.below(9)]),
        }
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn mutated_examples_never_panic() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..20_000 {
        let mut bytes = RFC_EXAMPLES[rng.below(RFC_EXAMPLES.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at < bytes.len() => bytes[at] = (rng.next() % 128) as u8,
                _ => bytes.insert(at, b"()[]\" .:\\"[rng.below(9)]),
            }
        }
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xA076_1D64_78BD_642F);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 56) as u8).collect();
        exercise(&String::from_utf8_lossy(&bytes));
    }
}
