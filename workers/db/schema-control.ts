// drizzle-kit entry for the control database (migrations/control): what every request needs before
// it knows a tenant's data. tenants, users and sending_numbers are the source of truth here.
export {
  apiKeys,
  costs,
  cronRuns,
  deadLetters,
  devOutbox,
  emailFailures,
  formDirectory,
  magicTokens,
  parkedWebhooks,
  rateLimits,
  sendingNumbers,
  sessions,
  tenantMoves,
  tenants,
  twilioAccounts,
  users,
} from './schema';
