import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function SendingNumbers() {
  return (
    <>
      <PageHeader title="Sending numbers" />
      <EmptyState title="No sending numbers yet." />
    </>
  );
}
