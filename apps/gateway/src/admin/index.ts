export { ADMIN_TOKEN_ACTOR, adminTokenVerifier } from './admin-auth.ts';
export { ADMIN_PREFIX, type AdminAppDeps, type AdminRoute, buildAdminApp } from './build-admin-app.ts';
