import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function CampaignDetail() {
  return (
    <>
      <PageHeader title="Campaign" />
      <EmptyState title="This campaign could not be shown yet." />
    </>
  );
}
