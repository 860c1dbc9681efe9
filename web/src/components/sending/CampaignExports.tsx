/** Download links: every recipient's outcome, and the summary. */
export function CampaignExports({ id }: { id: string }) {
  return (
    <p class="actions sending-exports">
      <span class="muted">Export:</span>
      <a href={`/api/v1/campaigns/${id}/recipients.csv`} download data-testid="export-recipients">
        Recipients (CSV)
      </a>
      <a href={`/api/v1/campaigns/${id}/summary.csv`} download data-testid="export-summary">
        Summary (CSV)
      </a>
    </p>
  );
}
