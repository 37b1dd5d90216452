export { Roster, Roster as Client, type ClientOptions, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from './client.js';
export { APIPromise, type APIResponse, type RequestOptions, VERSION } from './core.js';
export {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  type FieldError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  type Problem,
  RateLimitError,
  RosterError,
  UnprocessableEntityError,
} from './errors.js';
export { Page, PagePromise, type PageInfoView, type PageParams } from './pagination.js';
export { ApiKeys } from './resources/api-keys.js';
export { DocsResource, HealthResource, MetricsResource, OpenAPIResource } from './resources/operations.js';
export { ProviderSignIns, Providers, ZoneProviderSignIns, ZoneProviders } from './resources/providers.js';
export { Roles, ZoneRoles } from './resources/roles.js';
export {
  UserGrants,
  UserRoleAssignments,
  UserSessions,
  Users,
  ZoneUserGrants,
  ZoneUserRoleAssignments,
  ZoneUserSessions,
  ZoneUsers,
  encodeAttributeValue,
  userListQuery,
} from './resources/users.js';
export { Zones } from './resources/zones.js';
export { Events } from './resources/events.js';
export { WebhookDeliveries, WebhookEndpoints } from './resources/webhooks.js';
export { verifyWebhook, WebhookVerificationError, WEBHOOK_TOLERANCE_SECONDS } from './webhooks.js';
export type * from './types.js';
export { Roster as default } from './client.js';
