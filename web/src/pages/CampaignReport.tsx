import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function CampaignReport() {
  return (
    <>
      <PageHeader title="Campaign report" />
      <EmptyState title="No report yet." />
    </>
  );
}
