// The new-campaign form's own state (what the page edits before it builds the request), shared by
// the page and the field groups of this folder.
export type AudienceKind = 'all' | 'segments' | 'import' | 'custom_field';

export type CampaignForm = {
  name: string;
  templateIds: string[];
  audience: AudienceKind;
  importBatchId: string;
  fieldKey: string;
  fieldValue: string;
  include: string[];
  exclude: string[];
  quietStart: string;
  quietEnd: string;
  targetUrl: string;
  schedule: 'launch' | 'at' | 'local';
  scheduledAt: string;
  numberIds: string[];
};

export const CAMPAIGN_INITIAL: CampaignForm = {
  name: '',
  templateIds: [],
  audience: 'all',
  importBatchId: '',
  fieldKey: '',
  fieldValue: '',
  include: [],
  exclude: [],
  quietStart: '20:00',
  quietEnd: '09:00',
  targetUrl: '',
  schedule: 'launch',
  scheduledAt: '',
  numberIds: [],
};

/** The list with the id added, or removed when it was there (a checklist's change). */
export const toggle = (list: string[], id: string) =>
  list.includes(id) ? list.filter((x) => x !== id) : [...list, id];

/** The setter of one field of the form (`set('name')(value)`). */
export type SetField = <K extends keyof CampaignForm>(k: K) => (v: CampaignForm[K]) => void;
/** The server's message for a request field, if the last save was refused for it. */
export type ServerError = (path: string) => string | undefined;
