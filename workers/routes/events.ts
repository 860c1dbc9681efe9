import { createRouter } from '../http/router';

export const eventRoutes = createRouter();
