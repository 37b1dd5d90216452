import {
  type APIPromise,
  type ClientCore,
  type Query,
  type RequestOptions,
  addCommaList,
  addQuery,
  addRepeated,
  segment,
} from '../core.js';
import { PagePromise } from '../pagination.js';
import type {
  BatchParams,
  BatchResponse,
  CursorListParams,
  Grant,
  GrantCreateParams,
  ListResponse,
  RoleAssignment,
  RoleAssignmentCreateParams,
  Session,
  SessionCreateParams,
  User,
  UserCreateParams,
  UserListParams,
  UserRetrieveParams,
  UserUpdateParams,
} from '../types.js';
import { APIResource, cursorList, scopePath } from './shared.js';

/**
 * Encodes an `attributes.<key>` filter value. The API reads the value as JSON
 * when it parses as a number, `true`, `false`, `null` or a quoted string, else
 * as a plain string; so non-strings are JSON-encoded, and a string that would
 * be misread (`"3"`, `"true"`, `"\"x\""`) is quoted.
 */
export function encodeAttributeValue(value: string | number | boolean | null): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  return parsed !== null && typeof parsed === 'object' ? value : JSON.stringify(value);
}

/** The query string of `users.list` (snake_case, as the API takes it). */
export function userListQuery(params: UserListParams | undefined): Query {
  const query: Query = [];
  if (!params) return query;
  addQuery(query, 'after', params.after);
  addQuery(query, 'before', params.before);
  addQuery(query, 'limit', params.limit);
  addQuery(query, 'page', params.page);
  addQuery(query, 'page_size', params.pageSize);
  addCommaList(query, 'id', params.id);
  addQuery(query, 'email', params.email);
  addQuery(query, 'identifier', params.identifier);
  addCommaList(query, 'user_type', params.userType);
  addCommaList(query, 'status', params.status);
  addQuery(query, 'created_by', params.createdBy);
  addQuery(query, 'updated_by', params.updatedBy);
  addQuery(query, 'created_at_from', params.createdAtFrom);
  addQuery(query, 'created_at_to', params.createdAtTo);
  addQuery(query, 'updated_at_from', params.updatedAtFrom);
  addQuery(query, 'updated_at_to', params.updatedAtTo);
  addQuery(query, 'provider_id', params.providerId);
  addQuery(query, 'external_id', params.externalId);
  addQuery(query, 'role', params.role);
  addQuery(query, 'search', params.search);
  addQuery(query, 'q', params.q);
  addRepeated(query, 'query[]', params.query);
  addQuery(query, 'sort_by', params.sortBy);
  addQuery(query, 'sort_order', params.sortOrder);
  addCommaList(query, 'sort', params.sort);
  addRepeated(query, 'expand[]', params.expand);
  if (params.attributes) {
    for (const [key, value] of Object.entries(params.attributes)) {
      if (value === undefined) continue;
      query.push([`attributes.${key}`, encodeAttributeValue(value)]);
    }
  }
  return query;
}

function expandQuery(params: UserRetrieveParams | undefined): Query {
  const query: Query = [];
  addRepeated(query, 'expand[]', params?.expand);
  return query;
}

function withIfNoneMatch(params: UserRetrieveParams | undefined, options: RequestOptions | undefined): RequestOptions {
  const merged: RequestOptions = { ...options };
  if (params?.ifNoneMatch !== undefined) merged.ifNoneMatch = params.ifNoneMatch;
  return merged;
}

// Operations shared by `users` (the key's default zone) and `zones.users`.
function listUsers(core: ClientCore, zone: string | undefined, params: UserListParams | undefined, options?: RequestOptions) {
  const path = `${scopePath(zone)}/users`;
  return new PagePromise<User, UserListParams>(
    (p) =>
      core
        .request<ListResponse<User>>({ method: 'GET', path, query: userListQuery(p), auth: true, parse: 'json', options })
        .withResponse(),
    { ...params },
  );
}

function retrieveUser(
  core: ClientCore,
  zone: string | undefined,
  id: string,
  params: UserRetrieveParams | undefined,
  options: RequestOptions | undefined,
): APIPromise<User | null> {
  const merged = withIfNoneMatch(params, options);
  return core.request<User | null>({
    method: 'GET',
    path: `${scopePath(zone)}/users/${segment('id', id)}`,
    query: expandQuery(params),
    auth: true,
    parse: 'json',
    allowNotModified: merged.ifNoneMatch !== undefined,
    options: merged,
  });
}

function createUser(core: ClientCore, zone: string | undefined, body: UserCreateParams, options?: RequestOptions) {
  // The server deduplicates user creates by Idempotency-Key: safe to repeat.
  return core.request<User>({
    method: 'POST',
    path: `${scopePath(zone)}/users`,
    body,
    auth: true,
    parse: 'json',
    idempotent: true,
    options,
  });
}

function updateUser(
  core: ClientCore,
  zone: string | undefined,
  id: string,
  body: UserUpdateParams,
  options?: RequestOptions,
) {
  return core.request<User>({
    method: 'PATCH',
    path: `${scopePath(zone)}/users/${segment('id', id)}`,
    body,
    contentType: 'application/merge-patch+json',
    auth: true,
    parse: 'json',
    options,
  });
}

function deleteUser(core: ClientCore, zone: string | undefined, id: string, options?: RequestOptions) {
  return core.request<void>({
    method: 'DELETE',
    path: `${scopePath(zone)}/users/${segment('id', id)}`,
    auth: true,
    parse: 'none',
    options,
  });
}

function userPath(zone: string | undefined, userId: string, sub: string): string {
  return `${scopePath(zone)}/users/${segment('userId', userId)}/${sub}`;
}

function createIn<T>(core: ClientCore, path: string, body: unknown, options?: RequestOptions): APIPromise<T> {
  return core.request<T>({ method: 'POST', path, body, auth: true, parse: 'json', options });
}

function getAt<T>(core: ClientCore, path: string, options?: RequestOptions): APIPromise<T> {
  return core.request<T>({ method: 'GET', path, auth: true, parse: 'json', options });
}

function deleteAt(core: ClientCore, path: string, options?: RequestOptions): APIPromise<void> {
  return core.request<void>({ method: 'DELETE', path, auth: true, parse: 'none', options });
}

// ---------------------------------------------------------------------------
// Sub-resources of a user in the key's default zone.

/** `client.users.roleAssignments`: `/v1/users/{id}/role-assignments`. */
export class UserRoleAssignments extends APIResource {
  /** Lists the user's role assignments (operation `users.role_assignments.list`). */
  list(userId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<RoleAssignment, CursorListParams> {
    return cursorList<RoleAssignment>(this._core, userPath(undefined, userId, 'role-assignments'), params, options);
  }

  /** Assigns a role, by `role_id` or `role_identifier` (operation `users.role_assignments.create`). */
  create(userId: string, body: RoleAssignmentCreateParams, options?: RequestOptions): APIPromise<RoleAssignment> {
    return createIn<RoleAssignment>(this._core, userPath(undefined, userId, 'role-assignments'), body, options);
  }

  /** Retrieves one (operation `users.role_assignments.retrieve`). */
  retrieve(userId: string, assignmentId: string, options?: RequestOptions): APIPromise<RoleAssignment> {
    return getAt<RoleAssignment>(this._core, `${userPath(undefined, userId, 'role-assignments')}/${segment('assignmentId', assignmentId)}`, options);
  }

  /** Removes a role assignment (operation `users.role_assignments.delete`). */
  delete(userId: string, assignmentId: string, options?: RequestOptions): APIPromise<void> {
    return deleteAt(this._core, `${userPath(undefined, userId, 'role-assignments')}/${segment('assignmentId', assignmentId)}`, options);
  }
}

/** `client.users.sessions`: `/v1/users/{id}/sessions`. */
export class UserSessions extends APIResource {
  /** Lists the user's sessions (operation `users.sessions.list`). */
  list(userId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<Session, CursorListParams> {
    return cursorList<Session>(this._core, userPath(undefined, userId, 'sessions'), params, options);
  }

  /** Records an authentication; sets the user's `authenticated_at` (operation `users.sessions.create`). */
  create(userId: string, body: SessionCreateParams = {}, options?: RequestOptions): APIPromise<Session> {
    return createIn<Session>(this._core, userPath(undefined, userId, 'sessions'), body, options);
  }

  /** Retrieves one (operation `users.sessions.retrieve`). */
  retrieve(userId: string, sessionId: string, options?: RequestOptions): APIPromise<Session> {
    return getAt<Session>(this._core, `${userPath(undefined, userId, 'sessions')}/${segment('sessionId', sessionId)}`, options);
  }

  /** Revokes a session (operation `users.sessions.delete`). */
  delete(userId: string, sessionId: string, options?: RequestOptions): APIPromise<void> {
    return deleteAt(this._core, `${userPath(undefined, userId, 'sessions')}/${segment('sessionId', sessionId)}`, options);
  }
}

/** `client.users.grants`: `/v1/users/{id}/grants`. */
export class UserGrants extends APIResource {
  /** Lists the user's delegated grants (operation `users.grants.list`). */
  list(userId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<Grant, CursorListParams> {
    return cursorList<Grant>(this._core, userPath(undefined, userId, 'grants'), params, options);
  }

  /** Creates a delegated grant (operation `users.grants.create`). */
  create(userId: string, body: GrantCreateParams, options?: RequestOptions): APIPromise<Grant> {
    return createIn<Grant>(this._core, userPath(undefined, userId, 'grants'), body, options);
  }

  /** Retrieves one (operation `users.grants.retrieve`). */
  retrieve(userId: string, grantId: string, options?: RequestOptions): APIPromise<Grant> {
    return getAt<Grant>(this._core, `${userPath(undefined, userId, 'grants')}/${segment('grantId', grantId)}`, options);
  }

  /** Revokes a grant (operation `users.grants.delete`). */
  delete(userId: string, grantId: string, options?: RequestOptions): APIPromise<void> {
    return deleteAt(this._core, `${userPath(undefined, userId, 'grants')}/${segment('grantId', grantId)}`, options);
  }
}

/** `client.users`: users of the API key's default zone (`/v1/users`). */
/** `POST …/users/batch`. */
function batchUsers(core: ClientCore, zone: string | undefined, body: BatchParams, options?: RequestOptions): APIPromise<BatchResponse> {
  return core.request<BatchResponse>({ method: 'POST', path: `${scopePath(zone)}/users/batch`, body, auth: true, parse: 'json', options });
}

export class Users extends APIResource {
  readonly roleAssignments: UserRoleAssignments;
  readonly sessions: UserSessions;
  readonly grants: UserGrants;

  constructor(core: ClientCore) {
    super(core);
    this.roleAssignments = new UserRoleAssignments(core);
    this.sessions = new UserSessions(core);
    this.grants = new UserGrants(core);
  }

  /**
   * Lists users (operation `users.list`). Await it for one page, or iterate it
   * with `for await` for every matching user across all pages.
   */
  list(params?: UserListParams, options?: RequestOptions): PagePromise<User, UserListParams> {
    return listUsers(this._core, undefined, params, options);
  }

  /**
   * Retrieves a user (operation `users.retrieve`). With `ifNoneMatch` set to
   * the user's current ETag it resolves to `null` (304 Not Modified).
   */
  retrieve(id: string, params: UserRetrieveParams & { ifNoneMatch: string }, options?: RequestOptions): APIPromise<User | null>;
  retrieve(id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User>;
  retrieve(id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User | null> {
    return retrieveUser(this._core, undefined, id, params, options);
  }

  /** Alias of {@link Users.retrieve}: `const user = await client.users.get(id)`. */
  get(id: string, params: UserRetrieveParams & { ifNoneMatch: string }, options?: RequestOptions): APIPromise<User | null>;
  get(id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User>;
  get(id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User | null> {
    return retrieveUser(this._core, undefined, id, params, options);
  }

  /** Creates a user (operation `users.create`); idempotent across retries. */
  create(body: UserCreateParams, options?: RequestOptions): APIPromise<User> {
    return createUser(this._core, undefined, body, options);
  }

  /** Updates a user with a JSON merge patch (operation `users.update`); `ifMatch` guards against lost updates. */
  update(id: string, body: UserUpdateParams, options?: RequestOptions): APIPromise<User> {
    return updateUser(this._core, undefined, id, body, options);
  }

  /** Deletes a user (operation `users.delete`). */
  delete(id: string, options?: RequestOptions): APIPromise<void> {
    return deleteUser(this._core, undefined, id, options);
  }

  /**
   * Up to 1 000 creates, updates and deletes in one transaction (operation
   * `users.batch`): each has its result, or with `atomic: true` all or none apply.
   */
  batch(body: BatchParams, options?: RequestOptions): APIPromise<BatchResponse> {
    return batchUsers(this._core, undefined, body, options);
  }
}

// ---------------------------------------------------------------------------
// The same under a zone: `client.zones.users`, zone first.

/** `client.zones.users.roleAssignments`. */
export class ZoneUserRoleAssignments extends APIResource {
  /** Operation `zones.users.role_assignments.list`. */
  list(zoneId: string, userId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<RoleAssignment, CursorListParams> {
    return cursorList<RoleAssignment>(this._core, userPath(zoneId, userId, 'role-assignments'), params, options);
  }

  /** Operation `zones.users.role_assignments.create`. */
  create(zoneId: string, userId: string, body: RoleAssignmentCreateParams, options?: RequestOptions): APIPromise<RoleAssignment> {
    return createIn<RoleAssignment>(this._core, userPath(zoneId, userId, 'role-assignments'), body, options);
  }

  /** Operation `zones.users.role_assignments.retrieve`. */
  retrieve(zoneId: string, userId: string, assignmentId: string, options?: RequestOptions): APIPromise<RoleAssignment> {
    return getAt<RoleAssignment>(this._core, `${userPath(zoneId, userId, 'role-assignments')}/${segment('assignmentId', assignmentId)}`, options);
  }

  /** Operation `zones.users.role_assignments.delete`. */
  delete(zoneId: string, userId: string, assignmentId: string, options?: RequestOptions): APIPromise<void> {
    return deleteAt(this._core, `${userPath(zoneId, userId, 'role-assignments')}/${segment('assignmentId', assignmentId)}`, options);
  }
}

/** `client.zones.users.sessions`. */
export class ZoneUserSessions extends APIResource {
  /** Operation `zones.users.sessions.list`. */
  list(zoneId: string, userId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<Session, CursorListParams> {
    return cursorList<Session>(this._core, userPath(zoneId, userId, 'sessions'), params, options);
  }

  /** Operation `zones.users.sessions.create`. */
  create(zoneId: string, userId: string, body: SessionCreateParams = {}, options?: RequestOptions): APIPromise<Session> {
    return createIn<Session>(this._core, userPath(zoneId, userId, 'sessions'), body, options);
  }

  /** Operation `zones.users.sessions.retrieve`. */
  retrieve(zoneId: string, userId: string, sessionId: string, options?: RequestOptions): APIPromise<Session> {
    return getAt<Session>(this._core, `${userPath(zoneId, userId, 'sessions')}/${segment('sessionId', sessionId)}`, options);
  }

  /** Operation `zones.users.sessions.delete`. */
  delete(zoneId: string, userId: string, sessionId: string, options?: RequestOptions): APIPromise<void> {
    return deleteAt(this._core, `${userPath(zoneId, userId, 'sessions')}/${segment('sessionId', sessionId)}`, options);
  }
}

/** `client.zones.users.grants`. */
export class ZoneUserGrants extends APIResource {
  /** Operation `zones.users.grants.list`. */
  list(zoneId: string, userId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<Grant, CursorListParams> {
    return cursorList<Grant>(this._core, userPath(zoneId, userId, 'grants'), params, options);
  }

  /** Operation `zones.users.grants.create`. */
  create(zoneId: string, userId: string, body: GrantCreateParams, options?: RequestOptions): APIPromise<Grant> {
    return createIn<Grant>(this._core, userPath(zoneId, userId, 'grants'), body, options);
  }

  /** Operation `zones.users.grants.retrieve`. */
  retrieve(zoneId: string, userId: string, grantId: string, options?: RequestOptions): APIPromise<Grant> {
    return getAt<Grant>(this._core, `${userPath(zoneId, userId, 'grants')}/${segment('grantId', grantId)}`, options);
  }

  /** Operation `zones.users.grants.delete`. */
  delete(zoneId: string, userId: string, grantId: string, options?: RequestOptions): APIPromise<void> {
    return deleteAt(this._core, `${userPath(zoneId, userId, 'grants')}/${segment('grantId', grantId)}`, options);
  }
}

/** `client.zones.users`: users of one zone (`/v1/zones/{zone}/users`), by zone id or identifier. */
export class ZoneUsers extends APIResource {
  readonly roleAssignments: ZoneUserRoleAssignments;
  readonly sessions: ZoneUserSessions;
  readonly grants: ZoneUserGrants;

  constructor(core: ClientCore) {
    super(core);
    this.roleAssignments = new ZoneUserRoleAssignments(core);
    this.sessions = new ZoneUserSessions(core);
    this.grants = new ZoneUserGrants(core);
  }

  /** A batch of writes in the zone (operation `zones.users.batch`). */
  batch(zoneId: string, body: BatchParams, options?: RequestOptions): APIPromise<BatchResponse> {
    return batchUsers(this._core, zoneId, body, options);
  }

  /** Lists the zone's users (operation `zones.users.list`); `for await` walks every page. */
  list(zoneId: string, params?: UserListParams, options?: RequestOptions): PagePromise<User, UserListParams> {
    return listUsers(this._core, zoneId, params, options);
  }

  /** Retrieves a user of the zone (operation `zones.users.retrieve`). */
  retrieve(zoneId: string, id: string, params: UserRetrieveParams & { ifNoneMatch: string }, options?: RequestOptions): APIPromise<User | null>;
  retrieve(zoneId: string, id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User>;
  retrieve(zoneId: string, id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User | null> {
    return retrieveUser(this._core, zoneId, id, params, options);
  }

  /** Alias of {@link ZoneUsers.retrieve}. */
  get(zoneId: string, id: string, params: UserRetrieveParams & { ifNoneMatch: string }, options?: RequestOptions): APIPromise<User | null>;
  get(zoneId: string, id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User>;
  get(zoneId: string, id: string, params?: UserRetrieveParams, options?: RequestOptions): APIPromise<User | null> {
    return retrieveUser(this._core, zoneId, id, params, options);
  }

  /** Creates a user in the zone (operation `zones.users.create`). */
  create(zoneId: string, body: UserCreateParams, options?: RequestOptions): APIPromise<User> {
    return createUser(this._core, zoneId, body, options);
  }

  /** Updates a user of the zone with a JSON merge patch (operation `zones.users.update`). */
  update(zoneId: string, id: string, body: UserUpdateParams, options?: RequestOptions): APIPromise<User> {
    return updateUser(this._core, zoneId, id, body, options);
  }

  /** Deletes a user of the zone (operation `zones.users.delete`). */
  delete(zoneId: string, id: string, options?: RequestOptions): APIPromise<void> {
    return deleteUser(this._core, zoneId, id, options);
  }
}
