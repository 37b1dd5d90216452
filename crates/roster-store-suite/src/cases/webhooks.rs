//! Webhook endpoints: an update changes the endpoint as stored when it
//! writes, so what the dispatcher or another request wrote meanwhile stays.

use roster_domain::WebhookEndpointId;
use roster_domain::webhooks::WebhookEndpoint;
use roster_store::WebhookProgress;

use crate::ctx::{Ctx, ts};

pub async fn an_endpoint_update_keeps_what_was_written_since_it_was_read(ctx: Ctx) {
    let store = &ctx.store;
    let endpoint = WebhookEndpoint {
        id: WebhookEndpointId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        organization_id: ctx.org.id,
        url: "https://hooks.example.com/roster".into(),
        event_types: Vec::new(),
        zones: None,
        enabled: true,
        description: None,
        secret: "whsec_first".into(),
        previous_secret: None,
        previous_secret_expires_at: None,
        metadata: true,
        disabled_reason: None,
        created_by: "key_a".into(),
        created_at: ts(0),
        updated_at: ts(0),
    };
    store.create_webhook(&endpoint).await.unwrap();
    // A request reads the endpoint; then a rotation and the dispatcher's
    // disabling land before it writes.
    let read = store.get_webhook(&ctx.org.id, &endpoint.id).await.unwrap();
    let rotate = Box::new(|e: &mut WebhookEndpoint| {
        e.previous_secret = Some(std::mem::replace(&mut e.secret, "whsec_second".into()));
    });
    store.update_webhook(&ctx.org.id, &endpoint.id, rotate).await.unwrap();
    let claimed = store.claim_webhooks(ts(3_600), ts(3_700), 7, 100).await.unwrap();
    assert!(claimed.iter().any(|c| c.endpoint.id == endpoint.id), "due and leased");
    let failing = WebhookProgress {
        cursor: None,
        failures: 8,
        next_attempt_at: ts(3_600),
        disable: Some("failing".into()),
    };
    assert!(store.save_webhook_progress(&endpoint.id, 7, &failing).await.unwrap());

    let describe = Box::new(|e: &mut WebhookEndpoint| e.description = Some("billing".into()));
    let written = store.update_webhook(&ctx.org.id, &read.id, describe).await.unwrap();
    let stored = store.get_webhook(&ctx.org.id, &endpoint.id).await.unwrap();
    assert_eq!(written, stored, "the update answers the endpoint as written");
    assert_eq!(stored.description.as_deref(), Some("billing"));
    assert_eq!(stored.secret, "whsec_second", "the rotation stays");
    assert_eq!(stored.previous_secret.as_deref(), Some("whsec_first"));
    assert!(!stored.enabled, "the dispatcher's disabling stays");
    assert_eq!(stored.disabled_reason.as_deref(), Some("failing"));

    let gone = WebhookEndpointId::from_ulid(ctx.ids.next(1_700_000_000_000));
    let r = store.update_webhook(&ctx.org.id, &gone, Box::new(|_: &mut WebhookEndpoint| {})).await;
    assert!(matches!(r, Err(roster_store::StoreError::NotFound)), "{r:?}");
}
