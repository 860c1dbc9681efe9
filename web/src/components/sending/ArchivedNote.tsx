// An archived campaign (docs/lifecycle.md): its per-message records left the live database some
// time after it completed. Its figures are kept (as daily totals) and every recipient's outcome can
// still be downloaded; what is gone is the per-message list and the event log.
import { formatDate } from '../../format';
import { Notice } from '../Status';
import type { Campaign } from './types';

export function ArchivedNote({ c, place }: { c: Campaign; place: 'report' | 'detail' }) {
  const csv = `/api/v1/campaigns/${encodeURIComponent(c.id)}/recipients.csv`;
  return (
    <Notice kind="info">
      <p class="alert__title" data-testid="archived-note">
        Archived on {formatDate(c.archived_at)}
      </p>
      {place === 'report' ? (
        <p>
          Its per-message records were moved to long-term storage. The figures below are kept as daily totals
          and have not changed; the chart shows whole days. The event log no longer lists its messages.
        </p>
      ) : (
        <p>
          Its per-message records were moved to long-term storage, so messages are no longer listed here, nor
          on each contact’s timeline. Every recipient’s outcome is in the download.
        </p>
      )}
      <p>
        <a href={csv} download data-testid="archived-export">
          Download every recipient’s outcome (CSV)
        </a>
      </p>
    </Notice>
  );
}
