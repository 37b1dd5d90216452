//! Authentication, zones and API keys.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use roster_domain::Text;
use roster_domain::tenancy::{ApiKeyFields, ZoneFields, generate_api_key_secret};
use roster_domain::{ApiKey, ApiKeyId, Scope, ScopeSet, Zone, ZoneId, ZoneRef};
use roster_store::{IdWindow, ZoneScope};

use crate::auth::{AuthCounters, checked_secret};
use crate::error::{CursorParam, ServiceError, ServiceResult};
use crate::{KeyCache, Principal, Service};

/// A page request over a list ordered by id (zones, keys).
#[derive(Debug, Clone, Default)]
pub struct IdPageRequest {
    pub after: Option<String>,
    pub before: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct IdPage<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
    pub total_count: u64,
}

/// A freshly created key with its secret, shown only this once.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}

impl Service {
    /// The caller behind an API key's secret (`None`: none was presented).
    pub async fn authenticate(&self, secret: Option<&str>) -> ServiceResult<Arc<Principal>> {
        let result = self.find_principal(secret).await;
        if matches!(result, Err(ServiceError::Unauthorized)) {
            self.auth_counters.failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Counters of authentication, for metrics.
    pub fn auth_counters(&self) -> Arc<AuthCounters> {
        self.auth_counters.clone()
    }

    async fn find_principal(&self, secret: Option<&str>) -> ServiceResult<Arc<Principal>> {
        let secret = checked_secret(secret)?;
        let hash = KeyCache::hash(secret);
        let principal = match self.keys.get(&hash) {
            Some(p) => p,
            None => {
                if self.keys.is_known_miss(&hash) {
                    self.auth_counters.negative_cache_hits.fetch_add(1, Ordering::Relaxed);
                    return Err(ServiceError::Unauthorized);
                }
                self.auth_counters.lookups.fetch_add(1, Ordering::Relaxed);
                let key = match self.store.find_api_key(&hash).await? {
                    Some(key) if key.revoked_at.is_none() => key,
                    _ => {
                        self.keys.put_miss(hash);
                        return Err(ServiceError::Unauthorized);
                    }
                };
                let p = Arc::new(Principal::from_key(&key));
                self.keys.put(hash, p.clone());
                p
            }
        };
        let now = self.now();
        if principal.claim_touch(now) {
            let store = self.store.clone();
            let id = principal.key_id;
            tokio::spawn(async move {
                if let Err(e) = store.touch_api_key(&id, now).await {
                    tracing::debug!(error = %e, "could not record last_used_at");
                }
            });
        }
        Ok(principal)
    }

    /// The zone a request addresses: the key's default zone, or the zone
    /// named in the path. A zone the key may not see is `NotFound`.
    pub async fn resolve_zone(
        &self,
        principal: &Principal,
        zone: Option<&str>,
    ) -> ServiceResult<ZoneScope> {
        let zone_id = match zone {
            None => principal.default_zone.ok_or(ServiceError::NotFound)?,
            Some(text) => match ZoneRef::parse(text) {
                ZoneRef::Id(id) => id,
                ZoneRef::Identifier(identifier) => {
                    match self.zone_ids.get(&principal.org, &identifier) {
                        Some(id) => id,
                        None => {
                            let reference = ZoneRef::Identifier(identifier.clone());
                            let id = self.store.get_zone(&principal.org, &reference).await?.id;
                            self.zone_ids.put(principal.org, identifier, id);
                            id
                        }
                    }
                }
            },
        };
        if !principal.may_see_zone(&zone_id) {
            return Err(ServiceError::NotFound);
        }
        Ok(ZoneScope { org: principal.org, zone: zone_id })
    }

    pub(crate) fn id_window(&self, list: &str, request: &IdPageRequest) -> ServiceResult<IdWindow> {
        let decode = |cursor: &str, at: CursorParam| {
            self.cursors.decode_id(list, cursor).map_err(|_| ServiceError::InvalidCursor { at })
        };
        Ok(match (&request.after, &request.before) {
            (Some(a), None) => IdWindow {
                after: Some(decode(a, CursorParam::After)?),
                backwards: false,
                limit: request.limit,
            },
            (None, Some(b)) => IdWindow {
                after: Some(decode(b, CursorParam::Before)?),
                backwards: true,
                limit: request.limit,
            },
            _ => IdWindow { after: None, backwards: false, limit: request.limit },
        })
    }

    pub(crate) fn id_page<T>(
        &self,
        list: &str,
        request: &IdPageRequest,
        page: roster_store::Page<T>,
        id_of: impl Fn(&T) -> [u8; 16],
    ) -> IdPage<T> {
        let backwards = request.before.is_some();
        let cursor_at = |item: Option<&T>| item.map(|i| self.cursors.encode_id(list, id_of(i)));
        IdPage {
            start_cursor: cursor_at(page.items.first()),
            end_cursor: cursor_at(page.items.last()),
            has_next_page: if backwards { true } else { page.has_more },
            has_previous_page: if backwards { page.has_more } else { request.after.is_some() },
            total_count: page.total,
            items: page.items,
        }
    }

    pub async fn list_zones(
        &self,
        principal: &Principal,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Zone>> {
        principal.require(Scope::ZonesRead)?;
        let window = self.id_window("zones", request)?;
        let page =
            self.store.list_zones(&principal.org, principal.zones.as_deref(), &window).await?;
        Ok(self.id_page("zones", request, page, |z| z.id.to_bytes()))
    }

    /// The zone a client's text names. Text holding U+0000 names none (no
    /// identifier holds one) and never reaches the store, whose PostgreSQL
    /// backend would fail on it.
    pub(crate) async fn find_zone(
        &self,
        org: &roster_domain::OrgId,
        text: &str,
    ) -> Result<Zone, roster_store::StoreError> {
        if text.contains('\0') {
            return Err(roster_store::StoreError::NotFound);
        }
        self.store.get_zone(org, &ZoneRef::parse(text)).await
    }

    pub async fn get_zone(&self, principal: &Principal, zone: &str) -> ServiceResult<Zone> {
        principal.require(Scope::ZonesRead)?;
        let found = self.find_zone(&principal.org, zone).await?;
        if !principal.may_see_zone(&found.id) {
            return Err(ServiceError::NotFound);
        }
        Ok(found)
    }

    /// Whether this key may create zones: only one valid for every zone.
    pub fn may_create_zones(&self, principal: &Principal) -> ServiceResult<()> {
        principal.require(Scope::ZonesWrite)?;
        if principal.zones.is_some() {
            return Err(ServiceError::InsufficientScope {
                scope: Scope::ZonesWrite,
                param: None,
                detail: Some("only a key valid for every zone may create zones".into()),
            });
        }
        Ok(())
    }

    pub async fn create_zone(
        &self,
        principal: &Principal,
        fields: ZoneFields,
    ) -> ServiceResult<Zone> {
        self.may_create_zones(principal)?;
        let identifier = fields
            .identifier
            .ok_or_else(|| ServiceError::invalid_body("identifier", "identifier is required"))?;
        let name = fields.name.map_or_else(|| identifier.as_str().to_owned(), Text::into_string);
        let now = self.now();
        let zone = Zone {
            id: ZoneId::from_ulid(self.next_ulid()),
            organization_id: principal.org,
            identifier: identifier.as_str().to_owned(),
            name,
            created_at: now,
            updated_at: now,
        };
        self.store.create_zone(&zone, &self.stamp(principal)).await?;
        Ok(zone)
    }

    pub async fn update_zone(
        &self,
        principal: &Principal,
        zone: &str,
        fields: ZoneFields,
    ) -> ServiceResult<Zone> {
        principal.require(Scope::ZonesWrite)?;
        let mut current = self.get_zone(principal, zone).await?;
        let mut changed = false;
        if let Some(identifier) = fields.identifier {
            let identifier = identifier.as_str();
            // A zone-limited key renaming its zone could probe other zones'
            // identifiers through 409s, or take a freed `default`.
            if principal.zones.is_some() && identifier != current.identifier {
                return Err(ServiceError::InsufficientScope {
                    scope: Scope::ZonesWrite,
                    param: Some("identifier".into()),
                    detail: Some(
                        "only a key valid for every zone may change a zone's identifier".into(),
                    ),
                });
            }
            changed |= current.identifier != identifier;
            current.identifier = identifier.to_owned();
        }
        if let Some(name) = fields.name {
            changed |= current.name != name.as_str();
            current.name = name.into_string();
        }
        if changed {
            current.updated_at = self.now().max(current.created_at);
            self.store.update_zone(&current, &self.stamp(principal)).await?;
            self.zone_ids.forget(&current.id);
        }
        Ok(current)
    }

    pub async fn delete_zone(&self, principal: &Principal, zone: &str) -> ServiceResult<()> {
        principal.require(Scope::ZonesWrite)?;
        let found = self.get_zone(principal, zone).await?;
        self.store.delete_zone(&principal.org, &found.id, &self.stamp(principal)).await?;
        self.zone_ids.forget(&found.id);
        Ok(())
    }

    /// Resolves the zones a new key is limited to; each must be one the
    /// creating key can see.
    async fn resolve_key_zones(
        &self,
        principal: &Principal,
        texts: Option<Vec<String>>,
    ) -> ServiceResult<Option<Vec<ZoneId>>> {
        let Some(texts) = texts else {
            if principal.zones.is_some() {
                return Err(ServiceError::InsufficientScope {
                    scope: Scope::KeysWrite,
                    param: Some("zones".into()),
                    detail: Some(
                        "a key limited to some zones can only create keys limited to them".into(),
                    ),
                });
            }
            return Ok(None);
        };
        let mut zones = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let zone = self.key_zone(principal, format!("zones[{i}]"), text).await?;
            if !zones.contains(&zone.id) {
                zones.push(zone.id);
            }
        }
        Ok(Some(zones))
    }

    /// A zone a new key names: one the creating key can see, or an error
    /// naming `param`.
    async fn key_zone(
        &self,
        principal: &Principal,
        param: String,
        text: &str,
    ) -> ServiceResult<Zone> {
        match self.find_zone(&principal.org, text).await {
            Ok(z) if principal.may_see_zone(&z.id) => Ok(z),
            Ok(_) | Err(roster_store::StoreError::NotFound) => {
                Err(ServiceError::invalid_body(param, format!("{text} is not a zone")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn create_api_key(
        &self,
        principal: &Principal,
        fields: ApiKeyFields,
    ) -> ServiceResult<CreatedKey> {
        principal.require(Scope::KeysWrite)?;
        let name =
            fields.name.ok_or_else(|| ServiceError::invalid_body("name", "name is required"))?;
        let scopes = match fields.scopes {
            Some(scopes) if !scopes.is_empty() => ScopeSet::from_scopes(scopes),
            _ => {
                return Err(ServiceError::invalid_body(
                    "scopes",
                    "scopes must be a non-empty array of scope names",
                ));
            }
        };
        if !principal.scopes.covers(&scopes) {
            return Err(ServiceError::InsufficientScope {
                scope: Scope::Admin,
                param: Some("scopes".into()),
                detail: Some("a key cannot grant scopes it does not hold".into()),
            });
        }
        let zones = self.resolve_key_zones(principal, fields.zones).await?;
        let default_zone = match fields.default_zone {
            Some(text) => {
                let zone = self.key_zone(principal, "default_zone".into(), &text).await?;
                if zones.as_ref().is_some_and(|z| !z.contains(&zone.id)) {
                    return Err(ServiceError::invalid_body(
                        "default_zone",
                        "default_zone must be one of zones",
                    ));
                }
                Some(zone.id)
            }
            None => match zones.as_ref().and_then(|z| z.first()) {
                Some(first) => Some(*first),
                None => match self
                    .store
                    .get_zone(&principal.org, &ZoneRef::Identifier("default".into()))
                    .await
                {
                    Ok(z) => Some(z.id),
                    Err(roster_store::StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
            },
        };
        let key = ApiKey {
            id: ApiKeyId::from_ulid(self.next_ulid()),
            organization_id: principal.org,
            name: name.into_string(),
            scopes,
            zones,
            default_zone_id: default_zone,
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let secret = generate_api_key_secret();
        let hash = KeyCache::hash(&secret);
        self.store.create_api_key(&key, &hash).await?;
        self.keys.forget_miss(&hash);
        Ok(CreatedKey { key, secret })
    }

    pub async fn list_api_keys(
        &self,
        principal: &Principal,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<ApiKey>> {
        principal.require(Scope::KeysWrite)?;
        let window = self.id_window("api_keys", request)?;
        let page =
            self.store.list_api_keys(&principal.org, principal.zones.as_deref(), &window).await?;
        Ok(self.id_page("api_keys", request, page, |k| k.id.to_bytes()))
    }

    /// An active key within the caller's reach; any other is `NotFound`.
    pub async fn get_api_key(&self, principal: &Principal, id: &str) -> ServiceResult<ApiKey> {
        principal.require(Scope::KeysWrite)?;
        let id = ApiKeyId::parse(id).ok_or(ServiceError::NotFound)?;
        let key = self.store.get_api_key(&principal.org, &id).await?;
        if !principal.reaches(key.zones.as_deref()) {
            return Err(ServiceError::NotFound);
        }
        Ok(key)
    }

    pub async fn revoke_api_key(&self, principal: &Principal, id: &str) -> ServiceResult<()> {
        // A key's zones never change, so the reach checked here still holds
        // when the revocation is written.
        let key = self.get_api_key(principal, id).await?;
        self.store.revoke_api_key(&principal.org, &key.id, self.now()).await?;
        self.keys.evict_key(&key.id);
        Ok(())
    }

    /// Keys for the CLI, which acts for the first organization with full
    /// rights.
    pub async fn operator(&self) -> ServiceResult<Principal> {
        let org = self.store.default_organization().await?;
        let zone = match self.store.get_zone(&org.id, &ZoneRef::Identifier("default".into())).await
        {
            Ok(z) => Some(z.id),
            Err(roster_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Principal::from_key(&ApiKey {
            id: ApiKeyId::from_ulid(self.next_ulid()),
            organization_id: org.id,
            name: "operator".into(),
            scopes: ScopeSet::from_scopes([Scope::Admin]),
            zones: None,
            default_zone_id: zone,
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        }))
    }
}
