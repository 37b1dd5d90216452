// @ts-check
// The console's entry point: sign-in, the frame, and the routes.

import { apiKey, ApiError } from './api.js';
import { frame, interceptLinks, navigate, render, route, session } from './nav.js';
import { signInPage } from './pages/signin.js';
import { usersPage } from './pages/users.js';
import { userPage, newUserPage } from './pages/user.js';
import { zonesPage, rolesPage, providersPage } from './pages/resources.js';
import { keysPage } from './pages/keys.js';
import { listAll } from './api.js';

route(/^\/console$/, () => navigate(`/console/users${window.location.search}`, { replace: true }));
route(/^\/console\/users$/, usersPage);
route(/^\/console\/users\/new$/, newUserPage);
route(/^\/console\/users\/([^/]+)$/, userPage);
route(/^\/console\/zones$/, zonesPage);
route(/^\/console\/roles$/, rolesPage);
route(/^\/console\/providers$/, providersPage);
route(/^\/console\/keys$/, keysPage);

async function start() {
  if (!apiKey()) {
    signInPage(null, start);
    return;
  }
  try {
    session.zones = await listAll('/v1/zones', {}, 1000);
  } catch (e) {
    // A key without zones:read still works on its default zone; the zone
    // is then typed instead of picked.
    if (!(e instanceof ApiError) || e.status === 401) throw e;
    session.zones = null;
  }
  frame();
  await render();
}

window.addEventListener('roster:signed-out', (e) => {
  signInPage(/** @type {CustomEvent} */ (e).detail || 'Signed out.', start);
});

interceptLinks();
start().catch((e) => {
  if (!(e instanceof ApiError && e.status === 401)) throw e;
});
