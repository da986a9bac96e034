import { workerMain } from '../../kit/src/worker.js';
import { startScheduledPosts } from './app.js';

workerMain('scheduled-posts', 8082, startScheduledPosts);
