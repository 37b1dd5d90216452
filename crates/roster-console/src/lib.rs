//! The admin console's files, embedded in the binary at build time so the
//! console works offline and a deployment is still one file.
//!
//! The console is plain ES modules (JSDoc-typed, checked by `tsc --checkJs`
//! in the browser suite): nothing to bundle, so `cargo build` is the whole
//! build and a clone never holds generated assets. Why no framework: see
//! `docs/console.md`.

/// One embedded file.
pub struct Asset {
    /// The path below `/console/assets/`.
    pub path: &'static str,
    pub body: &'static [u8],
    pub content_type: &'static str,
}

macro_rules! assets {
    ($($path:literal => $type:expr),* $(,)?) => {
        &[$(Asset {
            path: $path,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)),
            content_type: $type,
        }),*]
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of `assets/` (a test fails when one is missing here).
pub static ASSETS: &[Asset] = assets![
    "index.html" => "text/html; charset=utf-8",
    "console.css" => "text/css; charset=utf-8",
    "icon.svg" => "image/svg+xml",
    "js/app.js" => JS,
    "js/api.js" => JS,
    "js/dom.js" => JS,
    "js/form.js" => JS,
    "js/nav.js" => JS,
    "js/pages/signin.js" => JS,
    "js/pages/users.js" => JS,
    "js/pages/user.js" => JS,
    "js/pages/user_related.js" => JS,
    "js/pages/resources.js" => JS,
    "js/pages/keys.js" => JS,
];

/// The page every console URL answers with: the app routes on the client.
pub fn index() -> &'static Asset {
    &ASSETS[0]
}

/// The file at `path` below `/console/assets/`.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &std::path::Path, prefix: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                files(&path, &format!("{prefix}{name}/"), out);
            } else {
                out.push(format!("{prefix}{name}"));
            }
        }
    }

    #[test]
    fn every_file_of_the_assets_folder_is_embedded() {
        let mut on_disk = Vec::new();
        files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets"), "", &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn the_index_is_the_html_page() {
        assert_eq!(index().path, "index.html");
    }
}
