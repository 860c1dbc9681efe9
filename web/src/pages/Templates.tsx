import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function Templates() {
  return (
    <>
      <PageHeader title="Templates" />
      <EmptyState title="No templates yet." />
    </>
  );
}
