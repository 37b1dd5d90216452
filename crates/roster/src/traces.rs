//! Trace export over OTLP/HTTP, configured as every OpenTelemetry SDK is:
//! by the standard `OTEL_*` environment variables (README, "Observe").
//!
//! Nothing is exported unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; then each request's span
//! (`roster_api::telemetry`) goes to the collector in batches, from a
//! thread of the exporter's own. A slow or absent collector costs requests
//! nothing: a full queue drops spans instead of waiting (OTEL_BSP_*).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};

use crate::StartError;

/// The exporter, kept to flush what is queued when the server stops.
pub struct Traces {
    provider: SdkTracerProvider,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The exporter and its tracer when the environment asks for traces,
/// `None` when it does not, or why it cannot be done.
pub fn from_env() -> Result<Option<(Traces, Tracer)>, StartError> {
    if env("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    match env("OTEL_TRACES_EXPORTER").as_deref() {
        None | Some("otlp") => {}
        Some("none") => return Ok(None),
        Some(other) => {
            return Err(StartError(format!(
                "OTEL_TRACES_EXPORTER={other:?}: Roster exports traces over OTLP only \
                 (`otlp`, or `none` for no traces)"
            )));
        }
    }
    let endpoint =
        env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| env("OTEL_EXPORTER_OTLP_ENDPOINT"));
    let Some(endpoint) = endpoint else { return Ok(None) };
    let protocol = protocol()?;
    check_endpoint(&endpoint)?;
    // An https:// collector: reqwest's rustls needs a process-wide provider,
    // the one the webhooks and the PostgreSQL link use. Ignored when one is
    // installed already.
    #[allow(deprecated)] // ring lacks post-quantum key exchange; see tls.rs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The exporter reads the endpoint (a base URL to which `/v1/traces` is
    // appended, or the signal's own URL used as is), headers, timeout and
    // compression from the environment itself. Not the protocol: built with
    // JSON, it would default to JSON, where the specification says protobuf.
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .build()
        .map_err(|e| StartError(format!("OpenTelemetry exporter for {endpoint}: {e}")))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build();
    let tracer = provider.tracer("roster");
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(Some((Traces { provider }, tracer)))
}

/// The OTLP over HTTP protocol asked for, protobuf by default as the
/// specification says. gRPC needs a transport (tonic) not built in, and the
/// exporter would otherwise fall back to HTTP without a word, sending to a
/// gRPC port what it cannot read.
fn protocol() -> Result<Protocol, StartError> {
    let Some((name, value)) = ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]
        .into_iter()
        .find_map(|name| env(name).map(|v| (name, v)))
    else {
        return Ok(Protocol::HttpBinary);
    };
    match value.to_ascii_lowercase().as_str() {
        "http/protobuf" => Ok(Protocol::HttpBinary),
        "http/json" => Ok(Protocol::HttpJson),
        "grpc" => Err(StartError(format!(
            "{name}=grpc: Roster exports traces over OTLP/HTTP; use http/protobuf (a \
             collector's port 4318) or http/json"
        ))),
        _ => Err(StartError(format!("{name}={value:?}: expected http/protobuf or http/json"))),
    }
}

/// A typo in the URL is the operator's to fix at start, not a stream of
/// failed exports later.
fn check_endpoint(endpoint: &str) -> Result<(), StartError> {
    let scheme_ok = endpoint.starts_with("http://") || endpoint.starts_with("https://");
    match endpoint.parse::<http::Uri>() {
        Ok(uri) if scheme_ok && uri.host().is_some() => Ok(()),
        _ => Err(StartError(format!(
            "OTEL_EXPORTER_OTLP_ENDPOINT={endpoint:?}: expected an http:// or https:// URL, \
             e.g. http://localhost:4318"
        ))),
    }
}

/// What every span says of its process: `service.name` (`roster` unless
/// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names it), its version,
/// and whatever OTEL_RESOURCE_ATTRIBUTES adds.
fn resource() -> Resource {
    let named = env("OTEL_SERVICE_NAME").is_some()
        || env("OTEL_RESOURCE_ATTRIBUTES")
            .is_some_and(|a| a.split(',').any(|kv| kv.trim_start().starts_with("service.name=")));
    let builder = Resource::builder()
        .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if named { builder.build() } else { builder.with_service_name("roster").build() }
}

impl Traces {
    /// Exports what is still queued (within the exporter's timeout) and
    /// stops its thread. Called once the last request is answered.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "flushing the last traces failed");
        }
    }
}

/// What goes to OpenTelemetry: Roster's own spans (the `request` span and
/// any opened inside it), never its libraries'; least of all the exporter's
/// HTTP client, whose spans would be exported in turn. Of the events, the
/// warnings and errors, which become events of their request's span (a
/// failed query); the rest would cost every request for little.
pub fn only_roster(meta: &tracing::Metadata<'_>) -> bool {
    meta.target().starts_with("roster") && (meta.is_span() || *meta.level() <= tracing::Level::WARN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_must_be_an_http_url_with_a_host() {
        assert!(check_endpoint("http://localhost:4318").is_ok());
        assert!(check_endpoint("https://collector.example.com/otlp").is_ok());
        for bad in ["localhost:4318", "ftp://collector", "http://", "not a url"] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }
}
