import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function CampaignNew() {
  return (
    <>
      <PageHeader title="New campaign" />
      <EmptyState title="Campaign creation is not available yet." />
    </>
  );
}
