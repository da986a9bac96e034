import { workerMain } from '../../kit/src/worker.js';
import { startWelcome } from './app.js';

workerMain('welcome', 8081, startWelcome);
