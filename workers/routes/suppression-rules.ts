import { createRouter } from '../http/router';

export const suppressionRuleRoutes = createRouter();
