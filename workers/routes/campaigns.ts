import { createRouter } from '../http/router';

export const campaignRoutes = createRouter();
