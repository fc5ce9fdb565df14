export { buildDriveServer, type DriveServerDeps } from './build-drive-server.ts';
export { type DriveConfig, loadDriveConfig } from './config.ts';
export { DRIVE_SCOPES } from './drive-scopes.ts';
