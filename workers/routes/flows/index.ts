import { createRouter } from '../../http/router';
import { flowActionRoutes } from './actions';
import { flowCrudRoutes } from './crud';

/** Automation flows (issue 14): CRUD, API enrolment and the per-step report. */
export const flowRoutes = createRouter().route('/', flowCrudRoutes).route('/', flowActionRoutes);
