import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function Dashboard() {
  return (
    <>
      <PageHeader title="Dashboard" />
      <EmptyState title="Nothing to show yet." />
    </>
  );
}
