//! The API's resources, each a thin handle on the client.

use futures_util::Stream;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::models::*;
use crate::{Call, Client, Result, seg};

/// Parameters of a user list. Every field is optional; `Default` lists the
/// first page in creation order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListUsers {
    pub after: Option<String>,
    pub before: Option<String>,
    pub limit: Option<u32>,
    pub page: Option<u64>,
    pub page_size: Option<u32>,
    pub ids: Vec<String>,
    pub email: Option<String>,
    pub identifier: Option<String>,
    pub user_types: Vec<String>,
    pub statuses: Vec<String>,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_at_from: Option<String>,
    pub created_at_to: Option<String>,
    pub updated_at_from: Option<String>,
    pub updated_at_to: Option<String>,
    pub provider_id: Option<String>,
    pub role: Option<String>,
    /// Search terms; every one must match.
    pub search: Vec<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    /// Multi-key sort, e.g. `["-created_at", "email"]`.
    pub sort: Vec<String>,
    pub expand: Vec<String>,
    /// `attributes.<key>` filters; values are sent as JSON for non-strings.
    pub attributes: Vec<(String, Value)>,
}

impl ListUsers {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = Vec::new();
        let mut one = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                q.push((k.to_owned(), v.clone()));
            }
        };
        one("after", &self.after);
        one("before", &self.before);
        one("limit", &self.limit.map(|n| n.to_string()));
        one("page", &self.page.map(|n| n.to_string()));
        one("page_size", &self.page_size.map(|n| n.to_string()));
        one("email", &self.email);
        one("identifier", &self.identifier);
        one("created_by", &self.created_by);
        one("updated_by", &self.updated_by);
        one("created_at_from", &self.created_at_from);
        one("created_at_to", &self.created_at_to);
        one("updated_at_from", &self.updated_at_from);
        one("updated_at_to", &self.updated_at_to);
        one("provider_id", &self.provider_id);
        one("role", &self.role);
        one("sort_by", &self.sort_by);
        one("sort_order", &self.sort_order);
        for (k, list) in
            [("id", &self.ids), ("user_type", &self.user_types), ("status", &self.statuses)]
        {
            if !list.is_empty() {
                q.push((k.to_owned(), list.join(",")));
            }
        }
        if !self.sort.is_empty() {
            q.push(("sort".into(), self.sort.join(",")));
        }
        for term in &self.search {
            q.push(("query[]".into(), term.clone()));
        }
        for e in &self.expand {
            q.push(("expand[]".into(), e.clone()));
        }
        for (k, v) in &self.attributes {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            q.push((format!("attributes.{k}"), text));
        }
        q
    }
}

/// Cursor parameters of the other lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    pub after: Option<String>,
    pub before: Option<String>,
    pub limit: Option<u32>,
}

impl ListParams {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(a) = &self.after {
            q.push(("after".into(), a.clone()));
        }
        if let Some(b) = &self.before {
            q.push(("before".into(), b.clone()));
        }
        if let Some(l) = self.limit {
            q.push(("limit".into(), l.to_string()));
        }
        q
    }
}

/// Users of one zone (`None`: the key's default zone).
#[derive(Clone, Copy)]
pub struct Users<'a> {
    pub(crate) client: &'a Client,
    pub(crate) zone: Option<&'a str>,
}

impl<'a> Users<'a> {
    fn base(&self) -> String {
        match self.zone {
            Some(z) => format!("/v1/zones/{}/users", seg(z)),
            None => "/v1/users".into(),
        }
    }

    pub async fn list(&self, params: &ListUsers) -> Result<Page<User>> {
        self.client.json(Call::new(Method::GET, self.base()).query(params.to_query())).await
    }

    /// Every matching user, page after page (cursor mode).
    pub fn stream(&self, params: ListUsers) -> impl Stream<Item = Result<User>> + 'a {
        let users = *self;
        futures_util::stream::try_unfold(
            (params, Vec::<User>::new().into_iter(), false),
            move |(mut params, mut buffer, mut done)| async move {
                loop {
                    if let Some(user) = buffer.next() {
                        return Ok(Some((user, (params, buffer, done))));
                    }
                    if done {
                        return Ok(None);
                    }
                    let page = users.list(&params).await?;
                    done = !page.page_info.has_next_page || page.data.is_empty();
                    params.after = page.page_info.end_cursor.clone();
                    params.page = None;
                    buffer = page.data.into_iter();
                }
            },
        )
    }

    pub async fn retrieve(&self, id: &str) -> Result<User> {
        self.client.json(Call::new(Method::GET, format!("{}/{}", self.base(), seg(id)))).await
    }

    /// `retrieve` by another name (seed 004's `client.users.get(id)`).
    pub async fn get(&self, id: &str) -> Result<User> {
        self.retrieve(id).await
    }

    /// A user with extras (`role_assignments`, `grant_count`, `session_count`).
    pub async fn retrieve_expanded(&self, id: &str, expand: &[&str]) -> Result<User> {
        let query = expand.iter().map(|e| ("expand[]".to_owned(), (*e).to_owned())).collect();
        self.client
            .json(Call::new(Method::GET, format!("{}/{}", self.base(), seg(id))).query(query))
            .await
    }

    /// Creates a user from any serializable body (`{"email": …}`).
    pub async fn create(&self, body: &impl Serialize) -> Result<User> {
        self.client.json(Call::new(Method::POST, self.base()).json(body)?).await
    }

    /// Creates with a caller-chosen `Idempotency-Key`.
    pub async fn create_idempotent(&self, body: &impl Serialize, key: &str) -> Result<User> {
        let call =
            Call::new(Method::POST, self.base()).json(body)?.header("idempotency-key", Some(key));
        self.client.json(call).await
    }

    /// A JSON merge patch; `if_match` makes it conditional on an ETag.
    pub async fn update(
        &self,
        id: &str,
        patch: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<User> {
        let call = Call::new(Method::PATCH, format!("{}/{}", self.base(), seg(id)))
            .json(patch)?
            .header("if-match", if_match);
        self.client.json(call).await
    }

    pub async fn delete(&self, id: &str, if_match: Option<&str>) -> Result<()> {
        let call = Call::new(Method::DELETE, format!("{}/{}", self.base(), seg(id)))
            .header("if-match", if_match);
        self.client.empty(call).await
    }

    /// Up to 1 000 creates, updates and deletes in one transaction:
    /// `{"atomic"?, "operations": [{"op": "create", "body"}, …]}`.
    pub async fn batch(&self, body: &impl Serialize) -> Result<crate::BatchResponse> {
        let path = format!("{}/batch", self.base());
        self.client.json(Call::new(Method::POST, path).json(body)?).await
    }

    pub fn role_assignments(&self, user: &'a str) -> UserChildren<'a> {
        UserChildren { users: *self, user, kind: "role-assignments" }
    }

    pub fn sessions(&self, user: &'a str) -> UserChildren<'a> {
        UserChildren { users: *self, user, kind: "sessions" }
    }

    pub fn grants(&self, user: &'a str) -> UserChildren<'a> {
        UserChildren { users: *self, user, kind: "grants" }
    }
}

/// Role assignments, sessions or grants of one user.
#[derive(Clone, Copy)]
pub struct UserChildren<'a> {
    users: Users<'a>,
    user: &'a str,
    kind: &'static str,
}

impl UserChildren<'_> {
    fn base(&self) -> String {
        format!("{}/{}/{}", self.users.base(), seg(self.user), self.kind)
    }

    /// A page; `T` is `RoleAssignment`, `Session` or `Grant`.
    pub async fn list<T: serde::de::DeserializeOwned>(
        &self,
        params: &ListParams,
    ) -> Result<Page<T>> {
        self.users.client.json(Call::new(Method::GET, self.base()).query(params.to_query())).await
    }

    pub async fn create<T: serde::de::DeserializeOwned>(&self, body: &impl Serialize) -> Result<T> {
        self.users.client.json(Call::new(Method::POST, self.base()).json(body)?).await
    }

    /// One; `T` is `RoleAssignment`, `Session` or `Grant`.
    pub async fn retrieve<T: serde::de::DeserializeOwned>(&self, id: &str) -> Result<T> {
        self.users.client.json(Call::new(Method::GET, format!("{}/{}", self.base(), seg(id)))).await
    }

    /// Removes an assignment, or revokes a session or grant.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.users
            .client
            .empty(Call::new(Method::DELETE, format!("{}/{}", self.base(), seg(id))))
            .await
    }
}

#[derive(Clone, Copy)]
pub struct Zones<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Zones<'a> {
    pub async fn list(&self, params: &ListParams) -> Result<Page<Zone>> {
        self.client.json(Call::new(Method::GET, "/v1/zones".into()).query(params.to_query())).await
    }

    pub async fn retrieve(&self, zone: &str) -> Result<Zone> {
        self.client.json(Call::new(Method::GET, format!("/v1/zones/{}", seg(zone)))).await
    }

    pub async fn create(&self, body: &impl Serialize) -> Result<Zone> {
        self.client.json(Call::new(Method::POST, "/v1/zones".into()).json(body)?).await
    }

    pub async fn update(&self, zone: &str, patch: &impl Serialize) -> Result<Zone> {
        self.client
            .json(Call::new(Method::PATCH, format!("/v1/zones/{}", seg(zone))).json(patch)?)
            .await
    }

    pub async fn delete(&self, zone: &str) -> Result<()> {
        self.client.empty(Call::new(Method::DELETE, format!("/v1/zones/{}", seg(zone)))).await
    }

    /// Users of a zone (seed 003's `zones.users.list(zone_id)`).
    pub fn users(&self, zone: &'a str) -> Users<'a> {
        Users { client: self.client, zone: Some(zone) }
    }

    pub fn roles(&self, zone: &'a str) -> Roles<'a> {
        Roles { client: self.client, zone: Some(zone) }
    }

    pub fn providers(&self, zone: &'a str) -> Providers<'a> {
        Providers { client: self.client, zone: Some(zone) }
    }
}

/// Roles of a zone (`None`: the key's default zone).
#[derive(Clone, Copy)]
pub struct Roles<'a> {
    pub(crate) client: &'a Client,
    pub(crate) zone: Option<&'a str>,
}

impl Roles<'_> {
    fn base(&self) -> String {
        match self.zone {
            Some(z) => format!("/v1/zones/{}/roles", seg(z)),
            None => "/v1/roles".into(),
        }
    }

    pub async fn list(&self, params: &ListParams) -> Result<Page<Role>> {
        self.client.json(Call::new(Method::GET, self.base()).query(params.to_query())).await
    }

    pub async fn retrieve(&self, role: &str) -> Result<Role> {
        self.client.json(Call::new(Method::GET, format!("{}/{}", self.base(), seg(role)))).await
    }

    pub async fn create(&self, body: &impl Serialize) -> Result<Role> {
        self.client.json(Call::new(Method::POST, self.base()).json(body)?).await
    }

    pub async fn update(&self, role: &str, patch: &impl Serialize) -> Result<Role> {
        self.client
            .json(Call::new(Method::PATCH, format!("{}/{}", self.base(), seg(role))).json(patch)?)
            .await
    }

    pub async fn delete(&self, role: &str) -> Result<()> {
        self.client.empty(Call::new(Method::DELETE, format!("{}/{}", self.base(), seg(role)))).await
    }
}

/// Identity providers of a zone (`None`: the key's default zone).
#[derive(Clone, Copy)]
pub struct Providers<'a> {
    pub(crate) client: &'a Client,
    pub(crate) zone: Option<&'a str>,
}

impl Providers<'_> {
    fn base(&self) -> String {
        match self.zone {
            Some(z) => format!("/v1/zones/{}/providers", seg(z)),
            None => "/v1/providers".into(),
        }
    }

    pub async fn list(&self, params: &ListParams) -> Result<Page<Provider>> {
        self.client.json(Call::new(Method::GET, self.base()).query(params.to_query())).await
    }

    pub async fn retrieve(&self, provider: &str) -> Result<Provider> {
        self.client.json(Call::new(Method::GET, format!("{}/{}", self.base(), seg(provider)))).await
    }

    pub async fn create(&self, body: &impl Serialize) -> Result<Provider> {
        self.client.json(Call::new(Method::POST, self.base()).json(body)?).await
    }

    pub async fn update(&self, provider: &str, patch: &impl Serialize) -> Result<Provider> {
        let call =
            Call::new(Method::PATCH, format!("{}/{}", self.base(), seg(provider))).json(patch)?;
        self.client.json(call).await
    }

    pub async fn delete(&self, provider: &str) -> Result<()> {
        self.client
            .empty(Call::new(Method::DELETE, format!("{}/{}", self.base(), seg(provider))))
            .await
    }

    /// Signs a subject in: finds or creates its user and records a session.
    pub async fn sign_in(&self, provider: &str, body: &impl Serialize) -> Result<SignIn> {
        let path = format!("{}/{}/sign-ins", self.base(), seg(provider));
        self.client.json(Call::new(Method::POST, path).json(body)?).await
    }
}

#[derive(Clone, Copy)]
pub struct ApiKeys<'a> {
    pub(crate) client: &'a Client,
}

impl ApiKeys<'_> {
    pub async fn list(&self, params: &ListParams) -> Result<Page<ApiKey>> {
        self.client
            .json(Call::new(Method::GET, "/v1/api-keys".into()).query(params.to_query()))
            .await
    }

    /// The returned key's `key` holds its secret, shown only here.
    pub async fn create(&self, body: &impl Serialize) -> Result<ApiKey> {
        self.client.json(Call::new(Method::POST, "/v1/api-keys".into()).json(body)?).await
    }

    /// A key within the calling key's zones (never its secret).
    pub async fn retrieve(&self, id: &str) -> Result<ApiKey> {
        self.client.json(Call::new(Method::GET, format!("/v1/api-keys/{}", seg(id)))).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        self.client.empty(Call::new(Method::DELETE, format!("/v1/api-keys/{}", seg(id)))).await
    }
}

#[derive(Clone, Copy)]
pub struct HealthChecks<'a> {
    pub(crate) client: &'a Client,
}

impl HealthChecks<'_> {
    pub async fn check(&self) -> Result<Health> {
        self.client.json(Call::new(Method::GET, "/healthz".into())).await
    }

    pub async fn ready(&self) -> Result<Health> {
        self.client.json(Call::new(Method::GET, "/readyz".into())).await
    }
}
