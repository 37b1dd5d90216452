//! OpenAPI links: which operation a response's ids feed into.
//!
//! They tell clients (and schemathesis' stateful phase) that the `id` a create
//! answers is what the retrieve, update and delete of that resource take, and
//! that a user's id opens its role assignments, sessions and grants. They are
//! written here, once, as data, and added to the generated document; a link
//! naming an operation or response that does not exist fails a test rather
//! than vanishing.

use utoipa::openapi::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;

/// A runtime expression (OpenAPI 3.1 §4.8.20.4) for a parameter's value.
type Param = (&'static str, &'static str);

/// Responses of `from` (with `status`) that link to every operation of `to`,
/// each filled with `params`.
struct Links {
    from: &'static str,
    status: &'static str,
    to: &'static [&'static str],
    params: &'static [Param],
}

const NEW_ID: &str = "$response.body#/id";
const SAME_USER: Param = ("id", "$request.path.id");
const SAME_ZONE: Param = ("zone", "$request.path.zone");

/// Every link of the API. Each resource kind appears twice: on the key's
/// default zone and on a zone named in the path (`zones.…`), where the zone
/// of the request is carried over.
const LINKS: &[Links] = &[
    // Users and what hangs off them.
    Links {
        from: "users.create",
        status: "201",
        to: &[
            "users.retrieve",
            "users.update",
            "users.delete",
            "users.role_assignments.list",
            "users.role_assignments.create",
            "users.sessions.list",
            "users.sessions.create",
            "users.grants.list",
            "users.grants.create",
        ],
        params: &[("id", NEW_ID)],
    },
    Links {
        from: "zones.users.create",
        status: "201",
        to: &[
            "zones.users.retrieve",
            "zones.users.update",
            "zones.users.delete",
            "zones.users.role_assignments.list",
            "zones.users.role_assignments.create",
            "zones.users.sessions.list",
            "zones.users.sessions.create",
            "zones.users.grants.list",
            "zones.users.grants.create",
        ],
        params: &[SAME_ZONE, ("id", NEW_ID)],
    },
    Links {
        from: "users.role_assignments.create",
        status: "201",
        to: &["users.role_assignments.retrieve", "users.role_assignments.delete"],
        params: &[SAME_USER, ("ra", NEW_ID)],
    },
    Links {
        from: "zones.users.role_assignments.create",
        status: "201",
        to: &["zones.users.role_assignments.retrieve", "zones.users.role_assignments.delete"],
        params: &[SAME_ZONE, SAME_USER, ("ra", NEW_ID)],
    },
    Links {
        from: "users.sessions.create",
        status: "201",
        to: &["users.sessions.retrieve", "users.sessions.delete"],
        params: &[SAME_USER, ("sess", NEW_ID)],
    },
    Links {
        from: "zones.users.sessions.create",
        status: "201",
        to: &["zones.users.sessions.retrieve", "zones.users.sessions.delete"],
        params: &[SAME_ZONE, SAME_USER, ("sess", NEW_ID)],
    },
    Links {
        from: "users.grants.create",
        status: "201",
        to: &["users.grants.retrieve", "users.grants.delete"],
        params: &[SAME_USER, ("grant", NEW_ID)],
    },
    Links {
        from: "zones.users.grants.create",
        status: "201",
        to: &["zones.users.grants.retrieve", "zones.users.grants.delete"],
        params: &[SAME_ZONE, SAME_USER, ("grant", NEW_ID)],
    },
    // Zones, and the zone-scoped collections of a new zone.
    Links {
        from: "zones.create",
        status: "201",
        to: &[
            "zones.retrieve",
            "zones.update",
            "zones.delete",
            "zones.users.list",
            "zones.users.create",
            "zones.roles.list",
            "zones.roles.create",
            "zones.providers.list",
            "zones.providers.create",
        ],
        params: &[("zone", NEW_ID)],
    },
    // Roles.
    Links {
        from: "roles.create",
        status: "201",
        to: &["roles.retrieve", "roles.update", "roles.delete"],
        params: &[("role", NEW_ID)],
    },
    Links {
        from: "zones.roles.create",
        status: "201",
        to: &["zones.roles.retrieve", "zones.roles.update", "zones.roles.delete"],
        params: &[SAME_ZONE, ("role", NEW_ID)],
    },
    // Providers and sign-ins through them.
    Links {
        from: "providers.create",
        status: "201",
        to: &[
            "providers.retrieve",
            "providers.update",
            "providers.delete",
            "providers.sign_ins.create",
        ],
        params: &[("idp", NEW_ID)],
    },
    Links {
        from: "zones.providers.create",
        status: "201",
        to: &[
            "zones.providers.retrieve",
            "zones.providers.update",
            "zones.providers.delete",
            "zones.providers.sign_ins.create",
        ],
        params: &[SAME_ZONE, ("idp", NEW_ID)],
    },
    Links {
        from: "providers.sign_ins.create",
        status: "201",
        to: &["users.retrieve", "users.sessions.list"],
        params: &[("id", "$response.body#/user/id")],
    },
    Links {
        from: "providers.sign_ins.create",
        status: "200",
        to: &["users.retrieve", "users.sessions.list"],
        params: &[("id", "$response.body#/user/id")],
    },
    Links {
        from: "providers.sign_ins.create",
        status: "201",
        to: &["users.sessions.retrieve", "users.sessions.delete"],
        params: &[("id", "$response.body#/user/id"), ("sess", "$response.body#/session/id")],
    },
    Links {
        from: "providers.sign_ins.create",
        status: "200",
        to: &["users.sessions.retrieve", "users.sessions.delete"],
        params: &[("id", "$response.body#/user/id"), ("sess", "$response.body#/session/id")],
    },
    Links {
        from: "zones.providers.sign_ins.create",
        status: "201",
        to: &["zones.users.retrieve", "zones.users.sessions.list"],
        params: &[SAME_ZONE, ("id", "$response.body#/user/id")],
    },
    Links {
        from: "zones.providers.sign_ins.create",
        status: "200",
        to: &["zones.users.retrieve", "zones.users.sessions.list"],
        params: &[SAME_ZONE, ("id", "$response.body#/user/id")],
    },
    Links {
        from: "zones.providers.sign_ins.create",
        status: "201",
        to: &["zones.users.sessions.retrieve", "zones.users.sessions.delete"],
        params: &[
            SAME_ZONE,
            ("id", "$response.body#/user/id"),
            ("sess", "$response.body#/session/id"),
        ],
    },
    Links {
        from: "zones.providers.sign_ins.create",
        status: "200",
        to: &["zones.users.sessions.retrieve", "zones.users.sessions.delete"],
        params: &[
            SAME_ZONE,
            ("id", "$response.body#/user/id"),
            ("sess", "$response.body#/session/id"),
        ],
    },
    // API keys.
    Links {
        from: "api_keys.create",
        status: "201",
        to: &["api_keys.retrieve", "api_keys.delete"],
        params: &[("id", NEW_ID)],
    },
];

/// Every operation of the document, by operation id.
fn operations(api: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

/// What `LINKS` gets wrong: a source operation or status that does not
/// exist, a target that does not exist, or a parameter the target does not
/// take. Empty when all is well.
pub fn dangling(api: &OpenApi) -> Vec<String> {
    // (operation id, its statuses, its parameter names)
    let mut known: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for item in api.paths.paths.values() {
        let ops = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
        for op in ops.into_iter().flatten() {
            let params = op.parameters.iter().flatten().filter_map(|p| match p {
                RefOr::T(p) => Some(p.name.clone()),
                RefOr::Ref(_) => None,
            });
            let params = params.collect();
            let statuses = op.responses.responses.keys().cloned().collect();
            known.push((op.operation_id.clone().unwrap_or_default(), statuses, params));
        }
    }
    let mut wrong = Vec::new();
    for links in LINKS {
        let from = known.iter().find(|(id, _, _)| id == links.from);
        if !from.is_some_and(|(_, statuses, _)| statuses.iter().any(|s| s == links.status)) {
            wrong.push(format!("{} {}", links.from, links.status));
        }
        for to in links.to {
            let Some((_, _, params)) = known.iter().find(|(id, _, _)| id == to) else {
                wrong.push(format!("{} {} -> {to}", links.from, links.status));
                continue;
            };
            for (name, _) in links.params {
                if !params.iter().any(|p| p == name) {
                    wrong.push(format!(
                        "{} {} -> {to}: no parameter {name}",
                        links.from, links.status
                    ));
                }
            }
        }
    }
    wrong
}

/// Adds `LINKS` to the responses they start from; each link is named after
/// the operation it leads to.
pub fn add(api: &mut OpenApi) {
    for op in operations(api) {
        let Some(id) = op.operation_id.as_deref() else { continue };
        let own: Vec<&Links> = LINKS.iter().filter(|l| l.from == id).collect();
        for links in own {
            let Some(RefOr::T(response)) = op.responses.responses.get_mut(links.status) else {
                continue;
            };
            for to in links.to {
                let mut link = LinkBuilder::new().operation_id(*to);
                for (name, value) in links.params {
                    link = link.parameter(*name, *value);
                }
                response.links.insert((*to).to_owned(), RefOr::T(link.build()));
            }
        }
    }
}
