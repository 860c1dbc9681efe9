// drizzle-kit entry for every shard database (migrations/shard): each tenant's own tables, plus a
// copy of its tenants, users and sending_numbers rows so foreign keys hold inside the shard.
export {
  auditLog,
  budgets,
  campaigns,
  contacts,
  doNotContact,
  events,
  importBatches,
  importChunks,
  messageTemplates,
  sendingNumbers,
  sendJobs,
  shortLinks,
  suppressionRules,
  tenants,
  users,
  webhookEvents,
} from './schema';
