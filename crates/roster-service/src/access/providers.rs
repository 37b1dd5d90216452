//! Use cases of identity providers.

use roster_domain::access::{Provider, ProviderFields};
use roster_domain::{ProviderId, Scope};
use roster_store::ZoneScope;

use crate::error::ServiceResult;
use crate::tenancy::{IdPage, IdPageRequest};
use crate::{Principal, Service};

impl Service {
    pub async fn list_providers(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Provider>> {
        principal.require(Scope::ZonesRead)?;
        let window = self.id_window("providers", request)?;
        let page = self.store.list_providers(scope, &window).await?;
        Ok(self.id_page("providers", request, page, |p| p.id.to_bytes()))
    }

    pub async fn get_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
    ) -> ServiceResult<Provider> {
        principal.require(Scope::ZonesRead)?;
        Ok(self.store.get_provider(scope, provider).await?)
    }

    pub async fn create_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        fields: ProviderFields,
    ) -> ServiceResult<Provider> {
        principal.require(Scope::ZonesWrite)?;
        let id = ProviderId::from_ulid(self.next_ulid());
        let provider = Provider::create(id, self.now(), fields)?;
        self.store.create_provider(scope, &provider, &self.stamp(principal)).await?;
        Ok(provider)
    }

    pub async fn update_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
        fields: ProviderFields,
    ) -> ServiceResult<Provider> {
        principal.require(Scope::ZonesWrite)?;
        let mut current = self.store.get_provider(scope, provider).await?;
        if current.patch(fields) {
            current.updated_at = self.now().max(current.created_at);
            self.store.update_provider(scope, &current, &self.stamp(principal)).await?;
        }
        Ok(current)
    }

    pub async fn delete_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
    ) -> ServiceResult<()> {
        principal.require(Scope::ZonesWrite)?;
        let found = self.store.get_provider(scope, provider).await?;
        Ok(self.store.delete_provider(scope, &found.id, &self.stamp(principal)).await?)
    }
}
