import { createRouter } from '../http/router';

export const inboxRoutes = createRouter();
