import { createRouter } from '../http/router';

export const importRoutes = createRouter();
