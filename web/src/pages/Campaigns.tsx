import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function Campaigns() {
  return (
    <>
      <PageHeader title="Campaigns" />
      <EmptyState title="No campaigns yet." />
    </>
  );
}
