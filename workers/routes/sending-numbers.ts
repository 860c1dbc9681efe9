import { createRouter } from '../http/router';

export const sendingNumberRoutes = createRouter();
