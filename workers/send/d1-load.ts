// The send loop's read: every job of a batch with what sending it needs (contact, do-not-contact
// flag, personal link token, campaign, tenant, template, suppression rules, senders), in one round
// trip to the tenant's shard.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  campaigns,
  contacts,
  doNotContact,
  messageTemplates,
  sendingNumbers,
  sendJobs,
  shortLinks,
  suppressionRules,
  tenants,
} from '../db/schema';
import { jobTemplateId } from '../domain/ab-split';
import { suppressionCutoff } from '../domain/eligibility';
import type { JobContext } from './types';

/**
 * Everything the batch needs in ONE round trip: a D1 batch of statements keyed on the job ids
 * (jobs with their contact, do-not-contact flag and personal link token; their campaigns,
 * tenants, templates, suppression rules and senders).
 */
export async function loadJobContexts(db: Db, jobIds: string[], now: Date): Promise<Map<string, JobContext>> {
  const out = new Map<string, JobContext>();
  const ids = JSON.stringify([...new Set(jobIds)]);
  if (jobIds.length === 0) return out;
  const inJobs = sql`(SELECT value FROM json_each(${ids}))`;
  const jobTenants = sql`(SELECT tenant_id FROM send_jobs WHERE id IN ${inJobs})`;
  // Separate statements, no joins: a D1 batch returns rows keyed by column name, so joined
  // tables' same-named columns (id, tenant_id…) would collide.
  const jobContacts = sql`(SELECT contact_id FROM send_jobs WHERE id IN ${inJobs})`;
  const [
    jobRows,
    contactRows,
    dncRows,
    linkRows,
    campaignRows,
    tenantRows,
    templateRows,
    ruleRows,
    numberRows,
  ] = await db.batch([
    db.select().from(sendJobs).where(sql`${sendJobs.id} IN ${inJobs}`),
    db.select().from(contacts).where(sql`${contacts.id} IN ${jobContacts}`),
    db
      .select({ tenantId: doNotContact.tenantId, phone: doNotContact.phoneE164 })
      .from(doNotContact)
      .where(
        sql`${doNotContact.tenantId} IN ${jobTenants} AND ${doNotContact.phoneE164} IN (SELECT phone_e164 FROM contacts WHERE id IN ${jobContacts})`,
      ),
    // By the contact's index: one row per campaign the person was in.
    db
      .select({
        contactId: shortLinks.contactId,
        campaignId: shortLinks.campaignId,
        token: shortLinks.token,
      })
      .from(shortLinks)
      .where(sql`${shortLinks.contactId} IN ${jobContacts}`),
    db
      .select()
      .from(campaigns)
      .where(sql`${campaigns.id} IN (SELECT campaign_id FROM send_jobs WHERE id IN ${inJobs})`),
    db.select().from(tenants).where(sql`${tenants.id} IN ${jobTenants}`),
    db
      .select()
      .from(messageTemplates)
      // The jobs' campaigns' templates: a job names its own only in an A/B test (jobTemplateId).
      .where(
        sql`${messageTemplates.id} IN (SELECT t.value FROM campaigns c, json_each(c.template_ids) t
              WHERE c.id IN (SELECT campaign_id FROM send_jobs WHERE id IN ${inJobs}))`,
      ),
    db.select().from(suppressionRules).where(sql`${suppressionRules.tenantId} IN ${jobTenants}`),
    db.select().from(sendingNumbers).where(sql`${sendingNumbers.tenantId} IN ${jobTenants}`),
  ]);
  const contactById = new Map(contactRows.map((c) => [c.id, c]));
  const dnc = new Set(dncRows.map((d) => `${d.tenantId}:${d.phone}`));
  const tokenOf = new Map(linkRows.map((l) => [`${l.campaignId}:${l.contactId}`, l.token]));
  const campaignById = new Map(campaignRows.map((c) => [c.id, c]));
  const tenantById = new Map(tenantRows.map((t) => [t.id, t]));
  const templateById = new Map(templateRows.map((t) => [t.id, t]));
  for (const j of jobRows) {
    const contact = contactById.get(j.contactId);
    const campaign = campaignById.get(j.campaignId);
    const tenant = tenantById.get(j.tenantId);
    if (!contact || !campaign || !tenant) continue;
    const templateId = jobTemplateId(j.templateId, campaign.templateIds);
    const template = templateId ? templateById.get(templateId) : undefined;
    out.set(j.id, {
      job: {
        id: j.id,
        tenantId: j.tenantId,
        campaignId: j.campaignId,
        contactId: j.contactId,
        templateId,
        sendingNumberId: j.sendingNumberId,
        status: j.status,
        body: j.body,
        parts: j.parts,
        costCents: j.costCents,
        providerMessageId: j.providerMessageId,
        attemptCount: j.attemptCount,
        attemptStartedAt: j.attemptStartedAt,
        leaseUntil: j.leaseUntil,
        notBefore: j.notBefore,
      },
      contact: {
        id: contact.id,
        phoneE164: contact.phoneE164,
        firstName: contact.firstName,
        lastName: contact.lastName,
        email: contact.email,
        timezone: contact.timezone,
        customFields: contact.customFields,
        consentStatus: contact.consentStatus,
        erasedAt: contact.erasedAt,
        lastSentAt: contact.lastSentAt,
      },
      campaign: {
        id: campaign.id,
        tenantId: campaign.tenantId,
        status: campaign.status,
        quietHoursStart: campaign.quietHoursStart,
        quietHoursEnd: campaign.quietHoursEnd,
        targetUrl: campaign.targetUrl,
        utmParams: campaign.utmParams,
        sendingNumberIds: campaign.sendingNumberIds,
      },
      tenant: {
        id: tenant.id,
        name: tenant.name,
        timezone: tenant.timezone,
        country: tenant.country,
        isPaused: tenant.isPaused,
        allowUnknownConsent: tenant.allowUnknownConsent,
        appendOptOutFooter: tenant.appendOptOutFooter,
        dailyBudgetCents: tenant.dailyBudgetCents,
        monthlyBudgetCents: tenant.monthlyBudgetCents,
      },
      templateBody: template && template.tenantId === j.tenantId ? template.body : null,
      mediaUrl: template && template.tenantId === j.tenantId ? template.mediaUrl : null,
      linkToken: tokenOf.get(`${j.campaignId}:${j.contactId}`) ?? null,
      onDoNotContact: dnc.has(`${j.tenantId}:${contact.phoneE164}`),
      suppressedSince: suppressionCutoff(
        ruleRows.filter((r) => r.tenantId === j.tenantId),
        now,
      ),
      numbers: numberRows
        .filter((n) => n.tenantId === j.tenantId)
        .map((n) => ({
          id: n.id,
          tenantId: n.tenantId,
          kind: n.kind,
          phoneE164: n.phoneE164,
          messagingServiceSid: n.messagingServiceSid,
          senderId: n.senderId,
          dailyLimit: n.dailyLimit,
          perMinuteLimit: n.perMinuteLimit,
          warmupStartDate: n.warmupStartDate,
          isActive: n.isActive,
        })),
    });
  }
  return out;
}
