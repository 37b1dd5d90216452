// Every model and request-body type in src/types.ts has exactly the fields
// of its schema in openapi.json. The types are written by hand; this reads
// them with the TypeScript compiler and holds them to the document the
// server generates, so a field added, renamed or dropped on either side
// fails here instead of drifting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const here = new URL('.', import.meta.url);
const spec = JSON.parse(readFileSync(new URL('../../../openapi.json', here), 'utf8'));
const source = readFileSync(new URL('../src/types.ts', here), 'utf8');
const file = ts.createSourceFile('types.ts', source, ts.ScriptTarget.Latest, true);

const members = new Map();
for (const node of file.statements) {
  if (ts.isInterfaceDeclaration(node)) {
    members.set(
      node.name.text,
      node.members.filter((m) => m.name).map((m) => m.name.getText(file).replace(/['"]/g, '')),
    );
  }
}

// interface in src/types.ts -> schema in openapi.json
const pairs = {
  PageInfo: 'PageInfo',
  ListResponse: 'UserList',
  AssignmentScope: 'AssignmentScopeView',
  RoleAssignment: 'RoleAssignment',
  User: 'User',
  Zone: 'Zone',
  ApiKey: 'ApiKey',
  Role: 'Role',
  Session: 'Session',
  Grant: 'Grant',
  Provider: 'Provider',
  SignIn: 'SignIn',
  Health: 'Health',
  UserCreateParams: 'CreateUser',
  UserUpdateParams: 'UpdateUser',
  ZoneCreateParams: 'CreateZone',
  ZoneUpdateParams: 'UpdateZone',
  ApiKeyCreateParams: 'CreateApiKey',
  RoleCreateParams: 'CreateRole',
  RoleUpdateParams: 'UpdateRole',
  Event: 'Event',
  EventActor: 'EventActor',
  EventData: 'EventData',
  WebhookEndpoint: 'WebhookEndpoint',
  WebhookDelivery: 'WebhookDelivery',
  WebhookEndpointCreateParams: 'CreateWebhookEndpoint',
  WebhookEndpointUpdateParams: 'UpdateWebhookEndpoint',
  BatchParams: 'BatchRequest',
  BatchResult: 'BatchResult',
  BatchResponse: 'BatchResponse',
};

for (const [iface, schema] of Object.entries(pairs)) {
  test(`${iface} has exactly the fields of the ${schema} schema`, () => {
    assert.ok(members.has(iface), `src/types.ts declares no interface ${iface}`);
    const documented = Object.keys(spec.components.schemas[schema]?.properties ?? {}).sort();
    assert.deepEqual([...members.get(iface)].sort(), documented);
  });
}
