import { runToolServer } from '@switchboard/tool-server';
import { buildDriveServer } from './build-drive-server.ts';
import { loadDriveConfig } from './config.ts';

const config = loadDriveConfig();
const app = buildDriveServer(config);
await runToolServer(app, config.DRIVE_PORT, config.DRIVE_HOST);
