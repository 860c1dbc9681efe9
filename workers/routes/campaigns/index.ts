// Campaigns: CRUD while draft, launch (with a preview of who gets it and what it costs),
// pause / resume / cancel, duplicate, stats and jobs, CSV exports, test sends, the delivery plan (A/B
// tests and local-time delivery: ab.ts, delivery-plan.ts). The sending itself happens in the queues
// (workers/queues/fanout.ts, workers/send/*); these routes only move the campaign's state and
// kick the queues, so every action answers at once. One sub-app per concern, mounted together.
import { createRouter } from '../../http/router';
import { campaignCrudRoutes } from './crud';
import { campaignDeliveryPlanRoutes } from './delivery-plan';
import { campaignExportRoutes } from './exports';
import { campaignLifecycleRoutes } from './launch';
import { campaignPreviewRoutes } from './preview';
import { campaignStatsRoutes } from './stats';
import { campaignTestSendRoutes } from './test-send';

export { campaignJson } from './schemas';
export { campaignStats } from './stats';

export const campaignRoutes = createRouter()
  .route('/', campaignCrudRoutes)
  .route('/', campaignPreviewRoutes)
  .route('/', campaignLifecycleRoutes)
  .route('/', campaignStatsRoutes)
  .route('/', campaignExportRoutes)
  .route('/', campaignDeliveryPlanRoutes)
  .route('/', campaignTestSendRoutes);
