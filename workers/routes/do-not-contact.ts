import { createRouter } from '../http/router';

export const doNotContactRoutes = createRouter();
