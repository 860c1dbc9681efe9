import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function Inbox() {
  return (
    <>
      <PageHeader title="Inbox" />
      <EmptyState title="No replies yet." />
    </>
  );
}
