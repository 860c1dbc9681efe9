import { createRouter } from '../http/router';

export const costRoutes = createRouter();
