import { createRouter } from '../http/router';

export const templateRoutes = createRouter();
