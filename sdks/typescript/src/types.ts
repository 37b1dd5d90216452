/**
 * Models and request bodies. Response models keep the API's snake_case field
 * names (`user.first_name`, `user.created_at`), exactly as `/openapi.json`
 * describes them; timestamps are RFC 3339 strings.
 */

/** A string union that still accepts values a newer server may add. */
type OpenUnion<T extends string> = T | (string & {});

export type UserType = OpenUnion<'saas_admin' | 'saas_user' | 'saas_user_client'>;
export type UserStatus = OpenUnion<'active' | 'onboarding' | 'inactive' | 'suspended' | 'risky' | 'disabled'>;
/** Values of `expand[]`. `role-assignments` is the seed spelling of `role_assignments`. */
export type UserExpand = OpenUnion<'role_assignments' | 'role-assignments' | 'grant_count' | 'session_count'>;
export type UserSortField = OpenUnion<
  'created_at' | 'updated_at' | 'email' | 'name' | 'identifier' | 'first_name' | 'last_name' | 'status' | 'user_type'
>;
export type SortOrder = 'asc' | 'desc';
export type Scope = OpenUnion<
  | 'users:read'
  | 'users:write'
  | 'users:metadata'
  | 'roles:read'
  | 'roles:write'
  | 'zones:read'
  | 'zones:write'
  | 'keys:write'
  | 'events:read'
  | 'webhooks:write'
  | 'scim'
  | 'admin'
>;
/** Status of a session or grant. */
export type LiveStatus = OpenUnion<'active' | 'expired' | 'revoked'>;

/** A JSON value, as custom attributes and sign-in claims hold them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Relay-style page info, as the API sends it. */
export interface PageInfo {
  /** When paginating forwards, are there more items? */
  has_next_page: boolean;
  /** When paginating backwards, are there more items? */
  has_previous_page: boolean;
  /** Cursor of the first item of the page; null when the page is empty. */
  start_cursor?: string | null;
  /** Cursor of the last item of the page; null when the page is empty. */
  end_cursor?: string | null;
}

/** The body of every list response. */
export interface ListResponse<T> {
  data: T[];
  page_info: PageInfo;
  /** Items matching the filters, across all pages. */
  total_count: number;
  /**
   * `false` when `total_count` is a lower bound: counting every match would
   * have cost more than the page (the server sends the field only then).
   */
  total_count_exact?: boolean;
  /** Page mode only. */
  page?: number | null;
  /** Page mode only: the effective page size. */
  page_size?: number | null;
}

/** The scope of a role assignment. */
export interface AssignmentScope {
  /** The kind of resource the assignment is limited to (e.g. `zone`). */
  type: string;
  id: string;
}

/** A role held by a user, optionally limited to a resource. */
export interface RoleAssignment {
  /** `ra_…`; absent inside an expanded user (`expand[]=role_assignments`). */
  id?: string | null;
  user_id?: string | null;
  role_id: string;
  role_identifier: string;
  /** Null when the assignment applies to the zone itself. */
  scope?: AssignmentScope | null;
  created_at?: string | null;
  /** Only with the `users:metadata` scope. */
  created_by?: string | null;
}

/** A user, as every endpoint returns it. */
export interface User {
  /** `user_` + 26-character ULID. */
  id: string;
  organization_id: string;
  zone_id: string;
  /** Unique per zone, case-insensitive; defaults to `id`. */
  identifier: string;
  email: string;
  email_verified: boolean;
  first_name: string;
  last_name: string;
  /** Display name; defaults to `first_name last_name` at creation. */
  name: string;
  description?: string | null;
  user_type: UserType;
  status: UserStatus;
  /** Custom attributes. */
  attributes: Record<string, JsonValue>;
  issuer?: string | null;
  provider_id?: string | null;
  subject?: string | null;
  external_id?: string | null;
  authenticated_at?: string | null;
  created_at: string;
  updated_at: string;
  /** Only with the `users:metadata` scope. */
  created_by?: string | null;
  /** Only with the `users:metadata` scope. */
  updated_by?: string | null;
  /** Only with `expand: ['role_assignments']`. */
  role_assignments?: RoleAssignment[] | null;
  /** Only with `expand: ['grant_count']`: live delegated grants. */
  grant_count?: number | null;
  /** Only with `expand: ['session_count']`: sessions neither revoked nor expired. */
  session_count?: number | null;
}

/** A zone (tenant) of an organization. */
export interface Zone {
  id: string;
  organization_id: string;
  /** A slug: 1-63 of `a-z 0-9 - _`. */
  identifier: string;
  name: string;
  created_at: string;
  updated_at: string;
}

/** An API key (the secret `key` appears only in the response that created it). */
export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  /** Zone ids the key is limited to; null for every zone. */
  zones?: string[] | null;
  default_zone_id?: string | null;
  created_at: string;
  last_used_at?: string | null;
  /** The secret; present only in the response that created the key. */
  key?: string | null;
}

/** A role of a zone. */
export interface Role {
  id: string;
  identifier: string;
  name: string;
  description?: string | null;
  /** A provisioning system's identifier (SCIM's Group `externalId`). */
  external_id?: string | null;
  created_at: string;
  updated_at: string;
}

/** A recorded authentication. */
export interface Session {
  id: string;
  user_id: string;
  provider_id?: string | null;
  status: LiveStatus;
  created_at: string;
  expires_at?: string | null;
  revoked_at?: string | null;
  /** Only with the `users:metadata` scope. */
  created_by?: string | null;
}

/** A delegated grant: a client may act on a resource for the user. */
export interface Grant {
  id: string;
  user_id: string;
  client_id: string;
  resource: string;
  scopes: string[];
  status: LiveStatus;
  created_at: string;
  expires_at?: string | null;
  revoked_at?: string | null;
  /** Only with the `users:metadata` scope. */
  created_by?: string | null;
}

/** An identity provider users sign in through. */
export interface Provider {
  id: string;
  identifier: string;
  issuer: string;
  /** The claim that becomes a new user's `identifier`. */
  user_identifier_claim?: string | null;
  created_at: string;
  updated_at: string;
}

/** The outcome of a sign-in. */
export interface SignIn {
  user: User;
  session: Session;
  /** Whether this sign-in created the user. */
  created: boolean;
}

/** `GET /healthz` and `GET /readyz`. */
export interface Health {
  status: string;
}

// ---------------------------------------------------------------------------
// Request bodies (snake_case, as the API takes them).

/** Body of `POST /v1/users`. Unknown fields are refused by the API. */
export interface UserCreateParams {
  email: string;
  /** Defaults to the user's id. */
  identifier?: string | null;
  email_verified?: boolean | null;
  first_name?: string | null;
  last_name?: string | null;
  /** Defaults to `first_name last_name`. */
  name?: string | null;
  description?: string | null;
  user_type?: UserType | null;
  status?: UserStatus | null;
  attributes?: Record<string, JsonValue> | null;
  issuer?: string | null;
  provider_id?: string | null;
  subject?: string | null;
  external_id?: string | null;
  authenticated_at?: string | Date | null;
}

/**
 * Body of `PATCH /v1/users/{id}`: a JSON merge patch (RFC 7396). `null` clears
 * nullable fields; `attributes` is merged key by key (`null` removes a key).
 */
export interface UserUpdateParams {
  email?: string | null;
  identifier?: string | null;
  email_verified?: boolean | null;
  first_name?: string | null;
  last_name?: string | null;
  name?: string | null;
  description?: string | null;
  user_type?: UserType | null;
  status?: UserStatus | null;
  attributes?: Record<string, JsonValue> | null;
  issuer?: string | null;
  provider_id?: string | null;
  subject?: string | null;
  external_id?: string | null;
  authenticated_at?: string | Date | null;
}

/** Body of `POST /v1/zones`. */
export interface ZoneCreateParams {
  /** A slug: 1-63 of `a-z 0-9 - _`. */
  identifier: string;
  /** Defaults to the identifier. */
  name?: string | null;
}

/** Body of `PATCH /v1/zones/{zone}`. */
export interface ZoneUpdateParams {
  identifier?: string | null;
  name?: string | null;
}

/** Body of `POST /v1/api-keys`. */
export interface ApiKeyCreateParams {
  name: string;
  scopes: Scope[];
  /** Zone ids or identifiers; omitted or null for every zone. */
  zones?: string[] | null;
  /** Defaults to the first of `zones`, else `default`. */
  default_zone?: string | null;
}

/** Body of `POST …/roles`. */
export interface RoleCreateParams {
  /** Opaque, unique in the zone. */
  identifier: string;
  /** Defaults to the identifier. */
  name?: string | null;
  description?: string | null;
  /** A provisioning system's identifier (SCIM's Group `externalId`). */
  external_id?: string | null;
}

/** Body of `PATCH …/roles/{role}`. */
export interface RoleUpdateParams {
  identifier?: string | null;
  name?: string | null;
  description?: string | null;
  external_id?: string | null;
}

/** Body of `POST …/role-assignments`: `role_id` or `role_identifier`. */
export interface RoleAssignmentCreateParams {
  role_id?: string | null;
  role_identifier?: string | null;
  scope?: AssignmentScope | null;
}

/** Body of `POST …/sessions`. */
export interface SessionCreateParams {
  provider_id?: string | null;
  /** Must be in the future. */
  expires_at?: string | Date | null;
}

/** Body of `POST …/grants`. */
export interface GrantCreateParams {
  client_id: string;
  resource: string;
  /** At least one. */
  scopes: string[];
  /** Must be in the future. */
  expires_at?: string | Date | null;
}

/** Body of `POST …/providers`. */
export interface ProviderCreateParams {
  identifier: string;
  issuer: string;
  /** A claim whose value becomes a new user's `identifier`. */
  user_identifier_claim?: string | null;
}

/** Body of `PATCH …/providers/{idp}`. */
export interface ProviderUpdateParams {
  identifier?: string | null;
  issuer?: string | null;
  user_identifier_claim?: string | null;
}

/** Body of `POST …/providers/{idp}/sign-ins`. */
export interface SignInCreateParams {
  /** The subject the provider vouches for. */
  subject: string;
  /**
   * Claims of the ID token: `email` (needed to create a user), `email_verified`,
   * `given_name`, `family_name`, `name`, and the provider's `user_identifier_claim`.
   */
  claims: Record<string, JsonValue>;
  /** When the recorded session expires; must be in the future. */
  expires_at?: string | Date | null;
}

// ---------------------------------------------------------------------------
// Query parameters.

/** Cursor pagination of every list but the users list. */
export interface CursorListParams {
  /** Items after this cursor (from `pageInfo.endCursor`). */
  after?: string;
  /** Items before this cursor (from `pageInfo.startCursor`). */
  before?: string;
  /** Page size, 1..1000 (default 50). */
  limit?: number;
}

/** Query parameters of `users.list` / `zones.users.list`. */
export interface UserListParams extends CursorListParams {
  /** Page mode: the page number, from 1. */
  page?: number;
  /** Page mode: page size, 1..100 (default 50). */
  pageSize?: number;
  /** User ids (at most 100); needs `users:metadata`. */
  id?: string | string[];
  /** Exact email, case-insensitive. */
  email?: string;
  /** Exact identifier, case-insensitive. */
  identifier?: string;
  userType?: UserType | UserType[];
  status?: UserStatus | UserStatus[];
  /** Id of the creating API key; needs `users:metadata`. */
  createdBy?: string;
  /** Id of the last updating API key; needs `users:metadata`. */
  updatedBy?: string;
  /** Created at or after (inclusive). */
  createdAtFrom?: Date | string;
  /** Created before (exclusive). */
  createdAtTo?: Date | string;
  /** Updated at or after (inclusive). */
  updatedAtFrom?: Date | string;
  /** Updated before (exclusive). */
  updatedAtTo?: Date | string;
  /** Identity provider id. */
  providerId?: string;
  /** `external_id` exactly (a provisioning system's identifier, SCIM `externalId`). */
  externalId?: string;
  /** A role id or identifier the users hold. */
  role?: string;
  /** Case-insensitive substring of id, email, name, identifier or description. */
  search?: string;
  /** Alias of `search`. */
  q?: string;
  /** Repeatable search terms (`query[]`); all must match. */
  query?: string | string[];
  sortBy?: UserSortField;
  sortOrder?: SortOrder;
  /** Multi-key sort, e.g. `['-created_at', 'email']` (`-` is descending). */
  sort?: string | string[];
  /** `role_assignments`, `grant_count`, `session_count` (sent as `expand[]`). */
  expand?: UserExpand[];
  /**
   * Custom attribute filters, sent as `attributes.<key>=<value>`. Numbers,
   * booleans and null are JSON-encoded; a string that would read as JSON
   * (`"3"`, `"true"`) is quoted so it matches the string.
   */
  attributes?: Record<string, string | number | boolean | null>;
}

/** Query parameters of `users.retrieve` / `zones.users.retrieve`. */
export interface UserRetrieveParams {
  /** `role_assignments`, `grant_count`, `session_count` (sent as `expand[]`). */
  expand?: UserExpand[];
  /** An ETag: when it still matches, the call resolves to `null` (304). */
  ifNoneMatch?: string;
}

// ---------------------------------------------------------------------------
// The change feed, webhooks and batches.

/** Who made a change. */
export interface EventActor {
  /** `api_key`, `user` (a sign-in) or `system`. */
  type: string;
  id: string | null;
}

export interface EventData {
  /** The object as GET returned it at the change (before it, for a deletion). */
  object: Record<string, JsonValue>;
  /** The fields a `*.updated` event changed. */
  changed_fields?: string[];
}

/** A change, from `client.events.list` or a webhook delivery (`verifyWebhook`). */
export interface Event {
  id: string;
  type: string;
  occurred_at: string;
  organization_id: string;
  zone_id: string;
  actor: EventActor;
  data: EventData;
}

/** Query parameters of `events.list` (`after` is a page's `page_info.end_cursor`). */
export interface EventListParams extends CursorListParams {
  /** Types, `user.*` for a whole resource. */
  type?: string | string[];
  /** A zone id or identifier. */
  zone?: string;
  /** Only the events about this user (`user_…`): its own, and its sessions', grants' and role assignments'. */
  user_id?: string;
}

/** A webhook endpoint; `secret` only from create and rotateSecret. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  event_types: string[];
  zones: string[] | null;
  enabled: boolean;
  description: string | null;
  disabled_reason: string | null;
  secret?: string;
  created_at: string;
  updated_at: string;
}

/** Body of `webhook_endpoints.create`. */
export interface WebhookEndpointCreateParams {
  url: string;
  event_types?: string[];
  zones?: string[] | null;
  enabled?: boolean;
  description?: string | null;
}

/** Body of `webhook_endpoints.update` (a merge patch). */
export interface WebhookEndpointUpdateParams {
  url?: string;
  event_types?: string[];
  zones?: string[] | null;
  enabled?: boolean;
  description?: string | null;
}

/** One delivery attempt. */
export interface WebhookDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  succeeded: boolean;
  manual: boolean;
  created_at: string;
}

/** One operation of a batch. */
export type BatchOperation =
  | { op: 'create'; body: UserCreateParams }
  | { op: 'update'; id: string; body: UserUpdateParams; if_match?: string }
  | { op: 'delete'; id: string; if_match?: string };

/** Body of `users.batch`. */
export interface BatchParams {
  atomic?: boolean;
  operations: BatchOperation[];
}

/** One operation's result. */
export interface BatchResult {
  status: number;
  body?: User;
  problem?: Record<string, JsonValue>;
}

export interface BatchResponse {
  results: BatchResult[];
}
